namespace HeavySync.Storage;

/// <summary>
/// One object as a store lists or stats it. <see cref="Key"/> is relative to the location's prefix
/// and always '/'-separated. Hash fields are set only when the store can vouch for them: an S3
/// multipart ETag is carried in <see cref="ETag"/> but never in <see cref="Md5"/>.
/// </summary>
public sealed record ObjectEntry(string Key, long Size)
{
    /// <summary>Provider ETag as the store reports it, without quotes (opaque; may be a multipart ETag).</summary>
    public string? ETag { get; init; }

    /// <summary>MD5 of the whole content, lower-case hex, when known.</summary>
    public string? Md5 { get; init; }

    /// <summary>CRC32C (Castagnoli) of the whole content, when known.</summary>
    public uint? Crc32c { get; init; }

    /// <summary>Last modification time (for local files: the file's mtime; for S3: the source mtime
    /// from metadata when present, else LastModified).</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Version id or generation, where the store has one.</summary>
    public string? Version { get; init; }
}
