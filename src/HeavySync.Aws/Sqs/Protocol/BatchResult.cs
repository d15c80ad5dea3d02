namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>The outcome of one batch request: the ids that succeeded and the entries that failed.</summary>
/// <typeparam name="TSuccess">The answer's success entry shape.</typeparam>
public sealed record BatchResult<TSuccess>(IReadOnlyList<TSuccess> Successful, IReadOnlyList<BatchResultErrorEntry> Failed);
