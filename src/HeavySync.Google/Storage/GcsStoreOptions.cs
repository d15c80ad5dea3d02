namespace HeavySync.Google.Storage;

/// <summary>Tuning of one GCS store. Defaults suit Cloud Storage; tests shrink the thresholds to
/// exercise resumable and parallel paths with small objects.</summary>
public sealed record GcsStoreOptions
{
    /// <summary>The multiple GCS requires of every resumable chunk but the last (256 KiB).</summary>
    public const int ChunkGranularityBytes = 256 * 1024;

    /// <summary>Objects up to this size go in one multipart upload (metadata and bytes in one
    /// request, hashes checked by the server); larger ones use a resumable upload (default 16 MiB).</summary>
    public long SimpleUploadThresholdBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Bytes per resumable-upload request (default 16 MiB; a multiple of 256 KiB). The
    /// memory bound of one upload; a failure re-sends at most what the server has not persisted of it.</summary>
    public int ResumableChunkBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Whole-object reads of objects larger than this fetch ranges in parallel (default 64 MiB).</summary>
    public long ParallelReadThresholdBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Size of each range of a parallel read (default 8 MiB).</summary>
    public int ReadChunkBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Ranges of a parallel read in flight at once (default 4; memory bound: this many chunks).</summary>
    public int ReadParallelism { get; init; } = 4;

    /// <summary>Bytes one objects.rewrite call may copy before answering with a rewriteToken
    /// (default null: the server chooses). Must be a multiple of 1 MiB when set.</summary>
    public long? MaxBytesRewrittenPerCall { get; init; }

    /// <summary>Objects per objects.list page (default 1,000, the API's maximum).</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Attempts per request, the first included, for transient and throttled failures (default 6).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter (default 200 ms).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest retry delay (default 20 s).</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest time one attempt of a request may take, response body included for
    /// everything but object reads (default 5 minutes).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait for the next bytes of a download (default 2 minutes); a stalled body is
    /// cut off and fetched again from where it stopped.</summary>
    public TimeSpan BodyReadTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Bill every request to the project (<c>userProject</c>), as requester-pays buckets
    /// require (default false: the bucket's owner pays). The project is <c>GOOGLE_CLOUD_PROJECT</c>,
    /// else the service account key's; none found is a <see cref="HeavySync.Storage.StoreErrorKind.Fatal"/> error at open.</summary>
    public bool RequesterPays { get; init; }

    /// <summary>Validates the options; throws <see cref="ArgumentException"/> naming the offending setting.</summary>
    public void Validate()
    {
        static void Positive(long value, string name)
        {
            if (value <= 0)
            {
                throw new ArgumentException($"{name} must be positive, got {value}", name);
            }
        }

        Positive(SimpleUploadThresholdBytes, nameof(SimpleUploadThresholdBytes));
        Positive(ResumableChunkBytes, nameof(ResumableChunkBytes));
        Positive(ParallelReadThresholdBytes, nameof(ParallelReadThresholdBytes));
        Positive(ReadChunkBytes, nameof(ReadChunkBytes));
        Positive(ReadParallelism, nameof(ReadParallelism));
        Positive(ListPageSize, nameof(ListPageSize));
        Positive(MaxAttempts, nameof(MaxAttempts));
        if (ResumableChunkBytes % ChunkGranularityBytes != 0)
        {
            throw new ArgumentException($"ResumableChunkBytes must be a multiple of 256 KiB, got {ResumableChunkBytes}", nameof(ResumableChunkBytes));
        }

        if (SimpleUploadThresholdBytes > int.MaxValue / 2)
        {
            throw new ArgumentException("SimpleUploadThresholdBytes must stay below 1 GiB (simple uploads are buffered)", nameof(SimpleUploadThresholdBytes));
        }

        if (MaxBytesRewrittenPerCall is { } perCall && (perCall <= 0 || perCall % (1024 * 1024) != 0))
        {
            throw new ArgumentException($"MaxBytesRewrittenPerCall must be a positive multiple of 1 MiB, got {perCall}", nameof(MaxBytesRewrittenPerCall));
        }

        if (RequestTimeout <= TimeSpan.Zero || BodyReadTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RequestTimeout and BodyReadTimeout must be positive", nameof(RequestTimeout));
        }
    }
}
