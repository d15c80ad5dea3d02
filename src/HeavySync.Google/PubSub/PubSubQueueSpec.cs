namespace HeavySync.Google.PubSub;

/// <summary>
/// What <see cref="PubSubWorkQueue.EnsureCreatedAsync"/> creates: a topic, the queue's subscription
/// on it, and optionally a dead-letter topic the subscription moves a message to after
/// <see cref="MaxDeliveryAttempts"/> deliveries.
/// </summary>
public sealed record PubSubQueueSpec
{
    /// <summary>The topic id listers publish to (required).</summary>
    public required string TopicId { get; init; }

    /// <summary>The subscription's own ack deadline (default 60 s; Pub/Sub allows 10 to 600 s).</summary>
    public TimeSpan AckDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A dead-letter topic id, or null for none (default null). With one, Pub/Sub counts
    /// deliveries exactly (<c>deliveryAttempt</c>). On Google Cloud the Pub/Sub service account
    /// also needs the publisher role on it and the subscriber role on the subscription.
    /// </summary>
    public string? DeadLetterTopicId { get; init; }

    /// <summary>
    /// Deliveries before dead-lettering (default 10; Pub/Sub allows 5 to 100). Keep it above the
    /// copier's <c>MaxDeliveries</c>, so the copier records a task failed before Pub/Sub moves it.
    /// </summary>
    public int MaxDeliveryAttempts { get; init; } = 10;
}
