namespace HeavySync.State.Postgres.Queue;

/// <summary>Settings of the <see cref="PostgresWorkQueue"/> (<c>--queue postgres</c>).</summary>
public sealed record PostgresQueueOptions
{
    /// <summary>The queue's name: queues of one database share the table and are told apart by it
    /// (default "heavysync").</summary>
    public string QueueName { get; init; } = PostgresWorkQueue.DefaultQueueName;

    /// <summary>How long a received message stays invisible to other consumers before it is
    /// delivered again (default 5 minutes).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When set, a message already delivered this many times is marked dead instead of being
    /// delivered again, so it stops counting in the depth (and in the KEDA query). Null (default):
    /// never; consumers dead-letter by delivery count themselves (see <see cref="HeavySync.Queue.IWorkQueue"/>).
    /// </summary>
    public int? MaxDeliveries { get; init; }

    /// <summary>
    /// Longest time a waiting receiver goes without looking again (default 10 s). Publishes and
    /// immediate releases wake receivers at once through LISTEN/NOTIFY; an empty look also learns
    /// when the next leased or delayed message becomes visible and looks again then. This interval
    /// only bounds the wait when nothing is due sooner (and covers a listening session that is down).
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> for a setting out of range.</summary>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(QueueName, nameof(QueueName));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseDuration, TimeSpan.Zero, nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        if (MaxDeliveries is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(MaxDeliveries));
        }
    }
}
