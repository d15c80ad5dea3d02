namespace HeavySync.IntegrationTests.PubSub;

/// <summary>The <see cref="HeavySync.Queue.IWorkQueue"/> contract on a subscription that dead-letters after 10 deliveries.</summary>
public sealed class PubSubWorkQueueContractTests() : PubSubWorkQueueContractBase(maxDeliveryAttempts: 10);
