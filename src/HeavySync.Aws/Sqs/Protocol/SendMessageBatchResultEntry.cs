namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>A sent entry of a SendMessageBatch answer (<c>SendMessageBatchResultEntry</c>).</summary>
public sealed record SendMessageBatchResultEntry(string Id, string MessageId, string MD5OfMessageBody, string? MD5OfMessageAttributes);
