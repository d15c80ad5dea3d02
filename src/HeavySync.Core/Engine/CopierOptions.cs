namespace HeavySync.Engine;

/// <summary>How a copier role consumes its queue (one machine and cluster alike).</summary>
public sealed record CopierOptions
{
    /// <summary>Object copies running at once, over all the messages held (default 16). The tasks of
    /// one message run side by side, so a big message does not serialise the work.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Deliveries of one message before its remaining tasks are recorded failed: the dead letter (default 5).</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>How often the leases of held messages (buffered ones included) are renewed (default 60 s).
    /// Each renewal extends the lease to three times this from now (the whole lease, as the CLI sets
    /// this to a third of it), so two missed or late renewals lose nothing.</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After a stop is requested (SIGTERM), how long messages in flight may take to finish
    /// before their copies are cancelled and the messages released for redelivery (default 25 s).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Longest single receive of the copier's one receive loop (default 20 ms, for the in-process
    /// queue, where a receive costs nothing and answers as soon as a message arrives: the run notices
    /// its last copy settled within that). Cluster copiers wait longer (an SQS long poll, a Postgres
    /// LISTEN): an idle copier then costs one receive per wait. Whether to stop is asked before each
    /// receive while nothing is held.
    /// </summary>
    public TimeSpan ReceiveWait { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Longest pause after a receive that came back empty while the copier still holds messages
    /// (default 200 ms, for the in-process queue: with its short <see cref="ReceiveWait"/>, a long
    /// copy then costs five receives a second, not fifty). The pause starts at
    /// <see cref="ReceiveWait"/> and doubles up to this; it ends early once nothing is held. A drained
    /// queue then costs few requests while the last messages finish; new work waits at most this long
    /// while the workers are busy anyway.
    /// </summary>
    public TimeSpan BusyReceivePause { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a finished message's acknowledgement waits to share a request with others
    /// (default 0: sent at once, batched only with those already waiting). Its outcomes are durable
    /// before; a crash in this window only makes the message come back, and its tasks are skipped.</summary>
    public TimeSpan AckLinger { get; init; } = TimeSpan.Zero;

    /// <summary>Messages held at once (buffered, in work or settling) at most (default: 4 × <see cref="Concurrency"/>, at least 8).</summary>
    public int MaxMessagesHeld => Math.Max(8, Concurrency * 4);

    /// <summary>The copier options of a one-machine sync.</summary>
    public static CopierOptions From(SyncOptions options) => new()
    {
        Concurrency = options.Concurrency,
        MaxDeliveries = options.MaxDeliveries,
    };
}
