using HeavySync.Queue;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.PubSub;

/// <summary>
/// The same contract on a subscription without a dead-letter policy, where Pub/Sub reports no
/// delivery attempt and the queue counts the deliveries it saw.
/// </summary>
public sealed class PubSubWorkQueueWithoutDeadLetterContractTests : WorkQueueContract
{
    private PubSubTestQueues? _queues;

    public override async Task InitializeAsync() => _queues = await PubSubTestQueues.CreateAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _queues!.DisposeAsync();
    }

    protected override async Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration) =>
        await _queues!.NewQueueAsync(leaseDuration, maxDeliveryAttempts: null);
}
