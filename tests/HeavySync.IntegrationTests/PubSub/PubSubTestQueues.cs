using HeavySync.Google.PubSub;
using HeavySync.IntegrationTests.Servers;

namespace HeavySync.IntegrationTests.PubSub;

/// <summary>
/// Fresh topics and subscriptions on the emulator for one test class, all through one
/// <see cref="EmulatorBacklogMonitor"/> (so depth can be read), deleted again on dispose.
/// </summary>
public sealed class PubSubTestQueues : IAsyncDisposable
{
    private readonly List<(PubSubQueueLocation Location, string[] Topics)> _created = [];

    private PubSubTestQueues(PubSubEmulator emulator) => Emulator = emulator;

    /// <summary>The emulator.</summary>
    public PubSubEmulator Emulator { get; }

    /// <summary>Counts the backlog and publish requests of every queue made here.</summary>
    public EmulatorBacklogMonitor Monitor { get; } = new();

    /// <summary>Starts (or finds) the emulator.</summary>
    public static async Task<PubSubTestQueues> CreateAsync() => new(await PubSubEmulator.GetAsync());

    /// <summary>Options aimed at the emulator, with the monitor in front and depth never cached.</summary>
    public PubSubQueueOptions Options(TimeSpan? lease) => new()
    {
        EmulatorHost = Emulator.Host,
        MonitoringEndpoint = new Uri($"http://{Emulator.Host}/"),
        HttpHandler = Monitor,
        LeaseDuration = lease,
        DepthCacheDuration = TimeSpan.Zero,
    };

    /// <summary>Creates a topic and subscription (and a dead-letter topic when <paramref name="maxDeliveryAttempts"/> is set).</summary>
    public async Task<(PubSubQueueLocation Location, PubSubQueueSpec Spec)> CreateSubscriptionAsync(int? maxDeliveryAttempts = 10)
    {
        var location = new PubSubQueueLocation(Emulator.Project, PubSubEmulator.UniqueName("sub"));
        var spec = new PubSubQueueSpec
        {
            TopicId = PubSubEmulator.UniqueName("topic"),
            AckDeadline = TimeSpan.FromSeconds(10),
            DeadLetterTopicId = maxDeliveryAttempts is null ? null : PubSubEmulator.UniqueName("dead"),
            MaxDeliveryAttempts = maxDeliveryAttempts ?? 10,
        };
        await PubSubWorkQueue.EnsureCreatedAsync(location, spec, Options(null), CancellationToken.None);
        _created.Add((location, spec.DeadLetterTopicId is { } dead ? [spec.TopicId, dead] : [spec.TopicId]));
        return (location, spec);
    }

    /// <summary>A queue over <paramref name="location"/> with leases of <paramref name="lease"/>.</summary>
    public Task<PubSubWorkQueue> OpenAsync(PubSubQueueLocation location, TimeSpan? lease) =>
        PubSubWorkQueue.CreateAsync(location, Options(lease), null, CancellationToken.None);

    /// <summary>A fresh subscription and a queue over it.</summary>
    public async Task<PubSubWorkQueue> NewQueueAsync(TimeSpan lease, int? maxDeliveryAttempts = 10)
    {
        var (location, _) = await CreateSubscriptionAsync(maxDeliveryAttempts);
        return await OpenAsync(location, lease);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (location, topics) in _created)
        {
            await PubSubWorkQueue.DeleteAsync(location, topics, Options(null), CancellationToken.None);
        }

        Monitor.Dispose();
    }
}
