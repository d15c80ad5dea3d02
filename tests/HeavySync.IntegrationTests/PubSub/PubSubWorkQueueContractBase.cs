using HeavySync.Queue;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.PubSub;

/// <summary>
/// The <see cref="IWorkQueue"/> contract against the Pub/Sub emulator, one topic and subscription per
/// case; each subclass picks the subscription's dead-letter policy.
/// </summary>
/// <param name="maxDeliveryAttempts">Deliveries before dead-lettering; null for no dead-letter policy.</param>
public abstract class PubSubWorkQueueContractBase(int? maxDeliveryAttempts) : WorkQueueContract
{
    private PubSubTestQueues? _queues;

    public override async Task InitializeAsync() => _queues = await PubSubTestQueues.CreateAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _queues!.DisposeAsync();
    }

    /// <summary>Two seconds, not one: the emulator keeps ack deadlines in whole seconds from when it
    /// answered the pull, so with one second a client slowed by load on the two shared cores saw the
    /// message again during its "still leased" probe (once in a CI run).</summary>
    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(2);

    protected override async Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration) =>
        await _queues!.NewQueueAsync(leaseDuration, maxDeliveryAttempts);

    /// <summary>With a dead-letter policy: a subscription that moves a message aside after
    /// <paramref name="maxDeliveries"/> attempts (Pub/Sub allows 5 to 100). Without one: none, the
    /// consumer's count decides.</summary>
    protected override async Task<IWorkQueue?> CreateDeadLetteringQueueAsync(TimeSpan leaseDuration, int maxDeliveries) =>
        maxDeliveryAttempts is null ? null : await _queues!.NewQueueAsync(leaseDuration, maxDeliveries);
}
