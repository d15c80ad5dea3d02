namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>A success entry that carries only the entry's Id (DeleteMessageBatch, ChangeMessageVisibilityBatch).</summary>
public sealed record IdEntry(string Id);
