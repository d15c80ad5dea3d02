namespace HeavySync.Aws.S3;

/// <summary>Tuning of one S3 store. Defaults suit AWS S3; tests shrink the thresholds to exercise
/// multipart paths with small objects.</summary>
public sealed record S3StoreOptions
{
    /// <summary>Largest <see cref="SinglePutThresholdBytes"/> and <see cref="MinPartSizeBytes"/>
    /// (512 MiB): a single PUT and each part are buffered whole in memory (so a retry can resend
    /// them), and S3's own 5 GiB single-PUT limit is far above what is sane to buffer.</summary>
    public const long MaxBufferedBytes = 512L * 1024 * 1024;

    /// <summary>Objects up to this size are written with one PutObject (default 16 MiB, at most
    /// <see cref="MaxBufferedBytes"/>).</summary>
    public long SinglePutThresholdBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Single PUTs of bodies up to this size go straight over HTTP, signed here, instead of
    /// through the SDK's request pipeline, which costs a small upload more CPU than the upload itself
    /// (default 1 MiB; 0 sends every PUT through the SDK). See <see cref="S3DirectPut"/>.</summary>
    public long DirectPutMaxBytes { get; init; } = S3HttpClientFactory.NoContinueMaxBytes;

    /// <summary>Smallest multipart part (default 8 MiB; S3 refuses parts under 5 MiB except the last).</summary>
    public long MinPartSizeBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Most parts one upload may have (S3's limit: 10,000).</summary>
    public int MaxParts { get; init; } = 10_000;

    /// <summary>Parts uploaded or copied at once per object (default 8).</summary>
    public int PartParallelism { get; init; } = 8;

    /// <summary>Part buffers in memory at once over every upload of the store (default 16): the
    /// memory bound of multipart writes, this many times the part size.</summary>
    public int MaxBufferedParts { get; init; } = 16;

    /// <summary>Objects larger than this are copied with UploadPartCopy instead of one CopyObject
    /// (default 5 GiB, CopyObject's limit).</summary>
    public long MultipartCopyThresholdBytes { get; init; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Smallest part of a multipart server-side copy (default 256 MiB).</summary>
    public long MinCopyPartSizeBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Whole-object reads of objects larger than this fetch ranges in parallel (default 64 MiB).</summary>
    public long ParallelReadThresholdBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Size of each range of a parallel read (default 8 MiB).</summary>
    public int ReadChunkBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Ranges of a parallel read in flight at once (default 4; memory bound: this many chunks).</summary>
    public int ReadParallelism { get; init; } = 4;

    /// <summary>Longest time one attempt of a request may take, response body included for
    /// everything but object reads (default 5 minutes); an attempt cut off is retried. A stalled
    /// listing body is released up to ~2 s later (the HTTP handler's response drain time).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait for the next bytes of a response body (default 2 minutes). The SDK's
    /// timeout ends when the headers arrive; a body that stalls after that is cut off and fetched
    /// again from where it stopped.</summary>
    public TimeSpan BodyReadTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts per request, the first included, for transient and throttled failures (default 6).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter (default 200 ms).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest retry delay (default 20 s).</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Keys per ListObjectsV2 page (default 1,000, S3's maximum).</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Validates the options; throws <see cref="ArgumentException"/> with the offending setting.</summary>
    public void Validate()
    {
        static void Positive(long value, string name)
        {
            if (value <= 0)
            {
                throw new ArgumentException($"{name} must be positive, got {value}", name);
            }
        }

        Positive(SinglePutThresholdBytes, nameof(SinglePutThresholdBytes));
        Positive(MinPartSizeBytes, nameof(MinPartSizeBytes));
        Positive(MaxParts, nameof(MaxParts));
        Positive(PartParallelism, nameof(PartParallelism));
        Positive(MaxBufferedParts, nameof(MaxBufferedParts));
        Positive(MultipartCopyThresholdBytes, nameof(MultipartCopyThresholdBytes));
        Positive(MinCopyPartSizeBytes, nameof(MinCopyPartSizeBytes));
        Positive(ParallelReadThresholdBytes, nameof(ParallelReadThresholdBytes));
        Positive(ReadChunkBytes, nameof(ReadChunkBytes));
        Positive(ReadParallelism, nameof(ReadParallelism));
        Positive(MaxAttempts, nameof(MaxAttempts));
        Positive(ListPageSize, nameof(ListPageSize));
        if (DirectPutMaxBytes < 0)
        {
            throw new ArgumentException($"DirectPutMaxBytes must not be negative, got {DirectPutMaxBytes}", nameof(DirectPutMaxBytes));
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RequestTimeout must be positive, got {RequestTimeout}", nameof(RequestTimeout));
        }

        if (BodyReadTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"BodyReadTimeout must be positive, got {BodyReadTimeout}", nameof(BodyReadTimeout));
        }

        if (SinglePutThresholdBytes > MaxBufferedBytes)
        {
            throw new ArgumentException("SinglePutThresholdBytes must be at most 512 MiB (a single PUT is buffered in memory)", nameof(SinglePutThresholdBytes));
        }

        if (MinPartSizeBytes > MaxBufferedBytes)
        {
            throw new ArgumentException("MinPartSizeBytes must be at most 512 MiB (parts are buffered in memory)", nameof(MinPartSizeBytes));
        }
    }
}
