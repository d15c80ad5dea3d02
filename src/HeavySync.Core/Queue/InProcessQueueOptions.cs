namespace HeavySync.Queue;

/// <summary>Settings of the <see cref="InProcessWorkQueue"/> (one machine, <c>--queue inprocess</c>).</summary>
public sealed record InProcessQueueOptions
{
    /// <summary>Fresh messages the queue holds before <see cref="IWorkQueue.PublishAsync"/> waits for room (default 1024).
    /// Redeliveries never count against it.</summary>
    public int Capacity { get; init; } = 1024;

    /// <summary>How long a received message stays invisible to other consumers before it is
    /// delivered again (default 5 minutes).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);
}
