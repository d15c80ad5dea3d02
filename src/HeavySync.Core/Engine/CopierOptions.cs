namespace HeavySync.Engine;

/// <summary>How a copier role consumes its queue (one machine and cluster alike).</summary>
public sealed record CopierOptions
{
    /// <summary>Messages worked on at once (default 16).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Deliveries of one message before its remaining tasks are recorded failed: the dead letter (default 5).</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>How often the lease of a message still being worked on is renewed (default 60 s).
    /// Each renewal extends the lease to twice this from now, so one missed renewal loses nothing.</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After a stop is requested (SIGTERM), how long messages in flight may take to finish
    /// before their copies are cancelled and the messages released for redelivery (default 25 s).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>Longest single wait for a message before the copier checks whether to stop (default 200 ms).</summary>
    public TimeSpan ReceiveWait { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The copier options of a one-machine sync.</summary>
    public static CopierOptions From(SyncOptions options) => new()
    {
        Concurrency = options.Concurrency,
        MaxDeliveries = options.MaxDeliveries,
    };
}
