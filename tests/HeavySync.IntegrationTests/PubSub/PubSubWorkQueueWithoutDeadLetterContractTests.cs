namespace HeavySync.IntegrationTests.PubSub;

/// <summary>
/// The same contract on a subscription without a dead-letter policy, where Pub/Sub reports no
/// delivery attempt and the queue counts the deliveries it saw.
/// </summary>
public sealed class PubSubWorkQueueWithoutDeadLetterContractTests() : PubSubWorkQueueContractBase(maxDeliveryAttempts: null);
