using HeavySync.Storage;

namespace HeavySync.State.Sqlite;

/// <summary>A <c>manifest</c> row (without run, side and fingerprint).</summary>
internal sealed class ManifestRow
{
    public string Key { get; set; } = "";
    public long Size { get; set; }
    public string? ETag { get; set; }
    public string? Md5 { get; set; }
    public long? Crc32c { get; set; }
    public long? MtimeTicks { get; set; }
    public string? Version { get; set; }

    public ObjectEntry ToEntry() => new(Key, Size)
    {
        ETag = ETag,
        Md5 = Md5,
        Crc32c = Crc32c is { } crc ? checked((uint)crc) : null,
        LastModified = SqliteRows.Time(MtimeTicks),
        Version = Version,
    };
}
