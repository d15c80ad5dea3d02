using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Engine;

/// <summary>
/// A message a copier holds, from its receipt until it is acknowledged or released: buffered (no
/// task started yet), being worked on (its tasks run concurrently on the copier's workers) or
/// settling (waiting for its outcomes to be durable). Mutable state is guarded by the copier's gate.
/// </summary>
internal sealed class HeldMessage(ReceivedMessage received, long receivedAt)
{
    /// <summary>The delivery.</summary>
    public ReceivedMessage Received { get; } = received;

    /// <summary>When its lease was last set (receipt or heartbeat), as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LeaseSetAt { get; set; } = receivedAt;

    /// <summary>The processing span, a child of the publish span the message carries.</summary>
    public Activity? Activity { get; set; }

    /// <summary>The run's stores and outcome writer; null until prepared.</summary>
    public CopyContext? Context { get; set; }

    /// <summary>Copy tasks still pending and not yet started.</summary>
    public Queue<WorkTask> Unstarted { get; } = new();

    /// <summary>Tasks started so far (running or finished).</summary>
    public int Started { get; set; }

    /// <summary>Tasks running now.</summary>
    public int Running { get; set; }

    /// <summary>No more of its tasks start (a retryable failure, a stop); the rest stay pending for a later delivery.</summary>
    public bool Closed { get; set; }

    /// <summary>Settling has begun.</summary>
    public bool Settling { get; set; }

    /// <summary>How it ends: acknowledged, released with backoff, or released at once (the strongest wins).</summary>
    public Settlement Settlement { get; private set; } = Settlement.Ack;

    /// <summary>The failure that asks for a redelivery with backoff.</summary>
    public StoreException? Retryable { get; private set; }

    /// <summary>Outcomes on their way to the state store.</summary>
    public List<Task> Recorded { get; } = [];

    /// <summary>True when nothing more will start or run: time to settle.</summary>
    public bool IsFinished => Running == 0 && (Closed || Unstarted.Count == 0);

    /// <summary>Stops starting tasks and asks for <paramref name="settlement"/> (kept when a stronger one was asked before).</summary>
    public void Close(Settlement settlement, StoreException? retryable = null)
    {
        Closed = true;
        if (settlement > Settlement)
        {
            Settlement = settlement;
            Retryable = retryable ?? Retryable;
        }
    }
}

/// <summary>How a held message ends, weakest first.</summary>
internal enum Settlement
{
    /// <summary>Acknowledged: every task it carried has a durable outcome.</summary>
    Ack,

    /// <summary>Released with backoff: a retryable failure left tasks for a later delivery.</summary>
    Retry,

    /// <summary>Released at once: a stop or a cancellation left tasks undone.</summary>
    Release,
}
