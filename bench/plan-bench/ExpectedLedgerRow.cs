namespace HeavySync.Bench.Plan;

/// <summary>A ledger row the plan should leave behind.</summary>
/// <param name="Key">The key.</param>
/// <param name="SourceFingerprint">The source fingerprint of the pair.</param>
/// <param name="DestinationFingerprint">The destination fingerprint of the pair.</param>
internal readonly record struct ExpectedLedgerRow(string Key, string SourceFingerprint, string DestinationFingerprint);
