namespace HeavySync.Queue;

/// <summary>A message handed to a consumer, leased until acknowledged, released or its lease expires.</summary>
/// <param name="Message">The decoded message.</param>
/// <param name="LeaseToken">Opaque handle of this delivery (an SQS receipt handle, a Pub/Sub ack id).</param>
/// <param name="DeliveryCount">1 on first delivery, growing with each redelivery.</param>
public sealed record ReceivedMessage(WorkMessage Message, string LeaseToken, int DeliveryCount);

/// <summary>
/// An at-least-once work queue: in-process on one machine; Postgres, SQS or Pub/Sub in a cluster.
/// Contract: a published message is delivered until acknowledged. A received message is invisible
/// to other consumers for the lease; if not acknowledged by then it is delivered again with a
/// higher <see cref="ReceivedMessage.DeliveryCount"/>. Acknowledging an expired or unknown lease is
/// harmless. Consumers decide about dead-lettering from the delivery count.
/// Cancelling <see cref="ReceiveAsync"/> never strands a message: a request that may already have
/// leased messages when the cancellation came is finished, and whatever it leased is given back
/// (released) by the adapter, so nothing waits out a lease that nobody holds. The batch methods
/// (<see cref="AckBatchAsync"/>, <see cref="ReleaseBatchAsync"/>, <see cref="ExtendLeasesAsync"/>)
/// do what the single ones do to each message, in as few requests as the queue allows.
/// </summary>
public interface IWorkQueue : IAsyncDisposable
{
    /// <summary>How telemetry names this queue (messaging system and destination).</summary>
    MessagingDestination Messaging { get; }

    /// <summary>Publishes messages (may wait for room when the queue is bounded).</summary>
    Task PublishAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> (fewer when the queue's own limit per request is
    /// lower: SQS 10), waiting up to <paramref name="wait"/> for the first; empty when none came.
    /// Cancellation throws <see cref="OperationCanceledException"/> and strands nothing (see the type's remarks).
    /// </summary>
    Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Removes a delivered message for good.</summary>
    Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken);

    /// <summary>Gives a message back for redelivery after <paramref name="delay"/> (a nack).</summary>
    Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Extends the lease of a message still being worked on.</summary>
    Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken);

    /// <summary>Acknowledges every message of <paramref name="messages"/> (stale leases are harmless),
    /// in as few requests as the queue allows; completes once all are done.</summary>
    Task AckBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken);

    /// <summary>Gives every message of <paramref name="messages"/> back for redelivery after <paramref name="delay"/>, in as few requests as the queue allows.</summary>
    Task ReleaseBatchAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Extends the leases of every message of <paramref name="messages"/> to <paramref name="extension"/>
    /// from now (the copier's heartbeat), in as few requests as the queue allows.</summary>
    Task ExtendLeasesAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan extension, CancellationToken cancellationToken);

    /// <summary>
    /// Messages waiting or in flight, approximately, for autoscaling and progress; -1 when the queue
    /// cannot tell (Pub/Sub's API has no backlog count: it comes from Cloud Monitoring, lagging, and
    /// not at all on the emulator). Never decide that a run's copying is finished from this number
    /// across processes: the state store's pending tasks decide that. Only the in-process queue,
    /// whose count is exact, is used that way (one-machine mode).
    /// </summary>
    Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken);
}
