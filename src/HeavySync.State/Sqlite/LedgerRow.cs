namespace HeavySync.State.Sqlite;

/// <summary>A <c>ledger</c> row.</summary>
internal sealed class LedgerRow
{
    public string Key { get; set; } = "";
    public string SourceFingerprint { get; set; } = "";
    public string DestinationFingerprint { get; set; } = "";
    public string? Md5 { get; set; }
    public long? Crc32c { get; set; }
    public long? VerifiedAt { get; set; }

    public LedgerEntry ToEntry() => new(Key, SourceFingerprint, DestinationFingerprint)
    {
        Md5 = Md5,
        Crc32c = Crc32c is { } crc ? checked((uint)crc) : null,
        VerifiedAt = SqliteRows.Time(VerifiedAt),
    };
}
