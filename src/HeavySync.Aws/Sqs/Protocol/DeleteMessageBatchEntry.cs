namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>One entry of a DeleteMessageBatch request.</summary>
public sealed record DeleteMessageBatchEntry(string Id, string ReceiptHandle);
