namespace HeavySync.SqsTestServer;

/// <summary>A snapshot of one message as a ReceiveMessage answer carries it.</summary>
public sealed record DeliveredMessage(StoredMessage Message, string ReceiptHandle, int ReceiveCount, DateTimeOffset FirstReceivedAt);
