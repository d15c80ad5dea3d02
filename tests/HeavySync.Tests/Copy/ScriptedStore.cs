using HeavySync.Storage;

namespace HeavySync.Tests.Copy;

/// <summary>
/// Fault injection around a real store (a test-only fake, as STYLE.md allows for faults): stat can
/// lie about an object, reads can be wrapped (corrupted, cut short), writes and server-side copies
/// can fail or lie about what they stored, and the cleanup policy a run asks for is recorded.
/// Everything not scripted goes to the inner store unchanged.
/// </summary>
internal sealed class ScriptedStore(IObjectStore inner, bool serverSideCopy = false) : IObjectStore, IServerSideCopy, IRunMaintenance
{
    private readonly Queue<Func<StoreException>> writeFailures = new();
    private int writes;
    private int copies;
    private int stats;
    private int currentReads;

    public string Location => inner.Location;

    public StoreCapabilities Capabilities => inner.Capabilities with { ServerSideCopy = serverSideCopy, SequentialWrites = SequentialWrites, VerifiesStatedMd5 = VerifiesStatedMd5 };

    /// <summary>What <see cref="Capabilities"/> says of how large writes send their content.</summary>
    public bool SequentialWrites { get; set; }

    /// <summary>Keep the <see cref="StoreCapabilities.VerifiesStatedMd5"/> contract, as GCS's server
    /// does: hash what is written, refuse (transient, nothing left stored) content whose MD5 is not
    /// the stated one, report the stored MD5.</summary>
    public bool VerifiesStatedMd5 { get; set; }

    /// <summary>For each write, whether its content was the copier's hashing stream computing MD5
    /// (null: some other stream).</summary>
    public List<bool?> WriteContentComputedMd5 { get; } = [];

    /// <summary>Rewrites what stat reports (the object itself is unchanged).</summary>
    public Func<ObjectEntry, ObjectEntry>? StatLie { get; set; }

    /// <summary>Wraps each read stream (key, stream) before the caller sees it.</summary>
    public Func<string, Stream, Stream>? ReadWrapper { get; set; }

    /// <summary>Rewrites what a write or server-side copy reports as stored (the stored bytes are unchanged).</summary>
    public Func<ObjectEntry, ObjectEntry>? WrittenLie { get; set; }

    /// <summary>Writes and server-side copies attempted so far.</summary>
    public int Writes => Volatile.Read(ref writes);

    /// <summary>Server-side copies attempted so far.</summary>
    public int Copies => Volatile.Read(ref copies);

    /// <summary>Stats asked so far.</summary>
    public int Stats => Volatile.Read(ref stats);

    /// <summary>Whole-object reads that described the object (<see cref="OpenCurrentAsync"/>) so far.</summary>
    public int CurrentReads => Volatile.Read(ref currentReads);

    /// <summary>The pattern each <see cref="OpenCurrentAsync"/> was asked to read with, in order.</summary>
    public List<ReadPattern> ReadPatterns { get; } = [];

    /// <summary>The cleanup policies runs asked for, in order.</summary>
    public List<OrphanUploadPolicy> CleanupPolicies { get; } = [];

    /// <summary>The next <paramref name="times"/> writes (or server-side copies) consume part of
    /// their content, then fail with the error <paramref name="error"/> makes.</summary>
    public void FailNextWrites(Func<StoreException> error, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            writeFailures.Enqueue(error);
        }
    }

    public IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, CancellationToken cancellationToken) => inner.ListAsync(startAfter, cancellationToken);

    public async Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref stats);
        return await DescribeAsync(key, cancellationToken);
    }

    /// <summary>Like a store whose GET answer carries the object's metadata: one read, no stat
    /// (<see cref="StatLie"/> and <see cref="ReadWrapper"/> apply as to a stat and a read).</summary>
    public async Task<ObjectRead?> OpenCurrentAsync(string key, ReadPattern pattern, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref currentReads);
        lock (ReadPatterns)
        {
            ReadPatterns.Add(pattern);
        }

        var entry = await DescribeAsync(key, cancellationToken);
        return entry is null ? null : new ObjectRead(entry, await OpenReadAsync(key, 0, null, cancellationToken));
    }

    private async Task<ObjectEntry?> DescribeAsync(string key, CancellationToken cancellationToken)
    {
        var entry = await inner.StatAsync(key, cancellationToken);
        return entry is not null && StatLie is { } lie ? lie(entry) : entry;
    }

    public async Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        var stream = await inner.OpenReadAsync(key, offset, length, cancellationToken);
        return ReadWrapper is { } wrap ? wrap(key, stream) : stream;
    }

    public async Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref writes);
        if (NextFailure() is { } failure)
        {
            // Like an upload that got some parts out before the server lost it.
            await content.ReadAtLeastAsync(new byte[Math.Min(1024, (int)Math.Max(1, request.Length))], 1, throwOnEndOfStream: false, cancellationToken);
            throw failure();
        }

        lock (WriteContentComputedMd5)
        {
            WriteContentComputedMd5.Add((content as HeavySync.Hashing.HashingReadStream)?.Hasher.ComputesMd5);
        }

        var written = VerifiesStatedMd5
            ? await WriteCheckingStatedMd5Async(request, content, cancellationToken)
            : await inner.WriteAsync(request, content, cancellationToken);
        return WrittenLie is { } lie ? lie(written) : written;
    }

    private async Task<ObjectEntry> WriteCheckingStatedMd5Async(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        await using var hashing = new HeavySync.Hashing.HashingReadStream(content, request.Length, leaveOpen: true);
        var written = await inner.WriteAsync(request, hashing, cancellationToken);
        hashing.Hasher.Finish();
        if (request.Md5 is { } stated && !string.Equals(stated, hashing.Hasher.Md5Hex, StringComparison.OrdinalIgnoreCase))
        {
            await inner.DeleteAsync(request.Key, cancellationToken);
            throw new StoreException(StoreErrorKind.Transient, $"the destination refused '{request.Key}': its MD5 is not the stated {stated} (test store)");
        }

        return written with { Md5 = hashing.Hasher.Md5Hex };
    }

    public bool CanCopyFrom(IObjectStore source) => serverSideCopy;

    public async Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref copies);
        if (NextFailure() is { } failure)
        {
            throw failure();
        }

        // "Server-side" here is a plain read and write: what matters to the executor is what comes back.
        await using var body = await source.OpenReadAsync(sourceEntry.Key, 0, null, cancellationToken);
        var written = await inner.WriteAsync(new WriteRequest(destinationKey, sourceEntry.Size), body, cancellationToken);
        var reported = written with { Md5 = sourceEntry.Md5, Crc32c = sourceEntry.Crc32c };
        return WrittenLie is { } lie ? lie(reported) : reported;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public Task PrepareDestinationAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken)
    {
        lock (CleanupPolicies)
        {
            CleanupPolicies.Add(policy);
        }

        return Task.CompletedTask;
    }

    public Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) => Task.FromResult(0L);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private Func<StoreException>? NextFailure()
    {
        lock (writeFailures)
        {
            return writeFailures.TryDequeue(out var failure) ? failure : null;
        }
    }
}
