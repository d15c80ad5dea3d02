namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>A failed entry of a batch answer (<c>BatchResultErrorEntry</c>).</summary>
/// <param name="Id">The entry's Id.</param>
/// <param name="Code">Error code.</param>
/// <param name="Message">The service's message.</param>
/// <param name="SenderFault">True when the entry itself is wrong (retrying it cannot help).</param>
public sealed record BatchResultErrorEntry(string Id, string Code, string? Message, bool SenderFault);
