using HeavySync.State;

namespace HeavySync.Bench.Plan;

/// <summary>A task the plan should create.</summary>
/// <param name="Key">The key.</param>
/// <param name="Action">Copy or delete.</param>
/// <param name="Size">The source size for a copy, the destination size for a delete.</param>
/// <param name="SourceFingerprint">The source fingerprint of a copy; null for a delete.</param>
internal readonly record struct ExpectedTask(string Key, TaskAction Action, long Size, string? SourceFingerprint);
