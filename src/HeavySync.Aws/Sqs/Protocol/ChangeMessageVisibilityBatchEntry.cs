namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>One entry of a ChangeMessageVisibilityBatch request: a receipt handle and its new visibility timeout in seconds.</summary>
public sealed record ChangeMessageVisibilityBatchEntry(string Id, string ReceiptHandle, int VisibilityTimeout);
