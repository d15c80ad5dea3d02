namespace HeavySync.Storage;

/// <summary>Which content checksums a store can report for an object without reading it.</summary>
[Flags]
public enum ChecksumKinds
{
    None = 0,
    /// <summary>MD5 of the content (S3 single-part ETag, GCS md5Hash).</summary>
    Md5 = 1,
    /// <summary>CRC32C of the content (GCS crc32c).</summary>
    Crc32c = 2,
    /// <summary>S3 multipart ETag: MD5 of the part MD5s plus "-N".</summary>
    MultipartETag = 4,
}

/// <summary>
/// What a store can do beyond the required <see cref="IObjectStore"/> surface. The engine reads these
/// and falls back when a power is absent (server-side copy, else stream).
/// </summary>
public sealed record StoreCapabilities
{
    /// <summary>The store can copy an object from another store of its kind without the bytes
    /// passing through this process (see <see cref="IServerSideCopy"/>).</summary>
    public bool ServerSideCopy { get; init; }

    /// <summary>The store keeps old versions of objects.</summary>
    public bool Versions { get; init; }

    /// <summary>Checksums reported by listing and stat.</summary>
    public ChecksumKinds ChecksumKinds { get; init; }

    /// <summary>Resolution of stored modification times; <see cref="TimeSpan.Zero"/> when the store
    /// cannot keep a caller-chosen mtime at all.</summary>
    public TimeSpan MtimePrecision { get; init; }

    /// <summary>Largest object one write request can store; larger ones need multipart.</summary>
    public long MaxSingleWriteBytes { get; init; } = long.MaxValue;

    /// <summary>Listings come back in ascending UTF-8 byte order of keys, so an interrupted listing
    /// can resume after the last key it stored.</summary>
    public bool OrderedListing { get; init; }

    /// <summary>A large write sends its content one request at a time (a GCS resumable upload), so
    /// it takes bytes no faster than one stream: a source read for it is one stream too
    /// (<see cref="ReadPattern.Sequential"/>), not parallel ranges.</summary>
    public bool SequentialWrites { get; init; }

    /// <summary>A write given <see cref="WriteRequest.Md5"/> fails, committing nothing, when the
    /// content's MD5 differs (a transient error), whether the store checks it itself or has its server
    /// check it (GCS hashes a simple upload's buffer, and sends a resumable upload's stated MD5 in the
    /// last chunk's <c>X-Goog-Hash</c> for the server to check), and the written entry carries the MD5 of what was stored. A copier that knows the
    /// source's MD5 then need not compute it as well: for a large object, MD5 is most of the client's
    /// CPU.</summary>
    public bool VerifiesStatedMd5 { get; init; }

    /// <summary>Capabilities of a plain local file system.</summary>
    public static StoreCapabilities LocalFileSystem { get; } = new()
    {
        ServerSideCopy = false,
        Versions = false,
        ChecksumKinds = ChecksumKinds.None,
        MtimePrecision = TimeSpan.FromTicks(1),
        MaxSingleWriteBytes = long.MaxValue,
        OrderedListing = false,
        SequentialWrites = false,
        VerifiesStatedMd5 = false,
    };
}
