namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>One entry of a SendMessageBatch request (<c>SendMessageBatchRequestEntry</c>).</summary>
/// <param name="Id">Unique within the batch: up to 80 alphanumerics, hyphens and underscores.</param>
/// <param name="MessageBody">The body.</param>
/// <param name="MessageAttributes">Message attributes (the trace context); null for none.</param>
/// <param name="DelaySeconds">Per-message delay; null for the queue's.</param>
public sealed record SendMessageBatchEntry(
    string Id,
    string MessageBody,
    IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes = null,
    int? DelaySeconds = null);
