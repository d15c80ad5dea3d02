using HeavySync.Hashing;
using HeavySync.IntegrationTests.S3;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>GCS protocol handling against the emulator behind the gaps layer: resumable uploads that
/// survive a failure mid-chunk, sessions resumed from a record, the rewrite loop, generation
/// preconditions, and the error kinds of a missing bucket.</summary>
public sealed class GcsObjectStoreTests(GcsFixture fixture) : IClassFixture<GcsFixture>
{
    [Theory]
    [InlineData(0)] // the first chunk, sent while it is read from the source
    [InlineData(1)]
    public async Task WriteAsync_ChunkFailsMidway_QueriesTheSessionAndSendsOnlyWhatWasNotPersisted(int failingChunk)
    {
        // 512 KiB chunks: the injected failure persists the first 256 KiB of one of them.
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync(), options: GcsFixture.SmallOptions with { ResumableChunkBytes = 512 * 1024 });
        var data = TestData.Bytes(6 * 256 * 1024 + 1000, seed: 1);
        var resentBefore = fixture.Gaps.ResentBytes;
        var receivedBefore = fixture.Gaps.ReceivedBytes;
        var queriesBefore = fixture.Gaps.StatusQueries;
        fixture.Gaps.FailChunkNumber = (int)fixture.Gaps.ChunkPuts + failingChunk;
        ObjectEntry written;
        try
        {
            written = await store.WriteAsync(new WriteRequest("resumed.bin", data.Length), new MemoryStream(data), CancellationToken.None);
        }
        finally
        {
            fixture.Gaps.FailChunkNumber = -1;
        }

        Assert.Equal(Crc32c.Compute(data), written.Crc32c);
        Assert.Equal(data, await ReadAllAsync(store, "resumed.bin"));
        Assert.True(fixture.Gaps.StatusQueries > queriesBefore, "the session was never asked what it persisted");
        Assert.Equal(0, fixture.Gaps.ResentBytes - resentBefore);

        // Half of the failed chunk was persisted, so exactly the other half went twice over the wire.
        Assert.Equal(data.Length + (256 * 1024), fixture.Gaps.ReceivedBytes - receivedBefore);
    }

    [Fact]
    public async Task WriteAsync_RecordedSession_ContinuesItAfterAnInterruptedAttempt()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var data = TestData.Bytes(8 * 256 * 1024, seed: 2);
        var sessions = new MemorySessions();
        var slot = new UploadSessionSlot(sessions, 1, "k.bin", "fp-1");
        var request = new WriteRequest("k.bin", data.Length) { UploadSession = slot };
        var sessionsBefore = fixture.Gaps.SessionsStarted;
        var resentBefore = fixture.Gaps.ResentBytes;

        // The first attempt's content breaks after three chunks, as a crashed source read would.
        await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new FailingAfterStream(data, 3 * 256 * 1024 + 10), CancellationToken.None));
        Assert.NotNull(sessions.Uri);

        var written = await store.WriteAsync(request, new MemoryStream(data), CancellationToken.None);

        Assert.Equal(Crc32c.Compute(data), written.Crc32c);
        Assert.Equal(data, await ReadAllAsync(store, "k.bin"));
        Assert.Equal(1, fixture.Gaps.SessionsStarted - sessionsBefore);
        Assert.Equal(0, fixture.Gaps.ResentBytes - resentBefore);
        Assert.Null(sessions.Uri);
    }

    [Fact]
    public async Task WriteAsync_RecordedSessionAlreadyFinished_VerifiesTheContentWithoutSendingIt()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var data = TestData.Bytes(3 * 256 * 1024 + 5, seed: 4);

        // A crash between the last chunk and forgetting the session leaves a finished session on record.
        var sessions = new MemorySessions { KeepOnDelete = true };
        var request = new WriteRequest("done.bin", data.Length) { UploadSession = new UploadSessionSlot(sessions, 1, "done.bin", "fp") };
        var first = await store.WriteAsync(request, new MemoryStream(data), CancellationToken.None);
        var chunksBefore = fixture.Gaps.ChunkPuts;
        var sessionsBefore = fixture.Gaps.SessionsStarted;

        var again = await store.WriteAsync(request, new MemoryStream(data), CancellationToken.None);
        var changed = data.ToArray();
        changed[^1] ^= 1;
        var mismatch = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream(changed), CancellationToken.None));

        Assert.Equal(first.Version, again.Version);
        Assert.Equal(Crc32c.Compute(data), again.Crc32c);
        Assert.Equal(0, fixture.Gaps.ChunkPuts - chunksBefore);
        Assert.Equal(0, fixture.Gaps.SessionsStarted - sessionsBefore);
        Assert.Equal(StoreErrorKind.Transient, mismatch.Kind);
    }

    [Fact]
    public async Task CopyFromAsync_RewriteNotDoneAtFirst_LoopsOnTheTokenAndCopiesWithoutDownloading()
    {
        var observer = new CountingObserver();
        var bucket = await fixture.CreateBucketAsync();
        var source = await fixture.OpenAsync(bucket, "from/");
        var destination = await fixture.OpenAsync(bucket, "to/", observer: observer);
        var data = TestData.Bytes(5000, seed: 3);
        var mtime = new DateTimeOffset(2019, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var entry = await source.WriteAsync(new WriteRequest("a.bin", data.Length) { LastModified = mtime }, new MemoryStream(data), CancellationToken.None);
        var callsBefore = fixture.Gaps.RewriteCalls;

        Assert.True(destination.CanCopyFrom(source));
        var copied = await destination.CopyFromAsync(source, entry, "b.bin", CancellationToken.None);

        Assert.Equal(2, fixture.Gaps.RewriteCalls - callsBefore);
        Assert.Equal(2, observer[RequestOperations.Copy]);
        Assert.Equal(0, observer[RequestOperations.Get]);
        Assert.Equal(entry.Md5, copied.Md5);
        Assert.Equal(mtime, copied.LastModified);
        Assert.Equal(data, await ReadAllAsync(destination, "b.bin"));
    }

    [Fact]
    public async Task CopyFromAsync_SourceReplacedSinceListing_IsPreconditionFailed()
    {
        var bucket = await fixture.CreateBucketAsync();
        var store = await fixture.OpenAsync(bucket);
        var listed = await store.WriteAsync(new WriteRequest("x", 3), new MemoryStream("one"u8.ToArray()), CancellationToken.None);
        await Task.Delay(10); // the emulator's generations are millisecond clocks
        await store.WriteAsync(new WriteRequest("x", 3), new MemoryStream("two"u8.ToArray()), CancellationToken.None);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.CopyFromAsync(store, listed, "y", CancellationToken.None));

        Assert.Equal(StoreErrorKind.PreconditionFailed, error.Kind);
        Assert.Null(await store.StatAsync("y", CancellationToken.None));
    }

    [Fact]
    public async Task OpenReadAsync_ObjectReplacedDuringAParallelRead_IsPreconditionFailedNotMixedBytes()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var data = TestData.Bytes(12 * 128 * 1024, seed: 5);
        await store.WriteAsync(new WriteRequest("big", data.Length), new MemoryStream(data), CancellationToken.None);

        // 12 ranges of 128 KiB, 4 in flight: the later ones are fetched after the object is replaced.
        await using var reading = await store.OpenReadAsync("big", 0, null, CancellationToken.None);
        await Task.Delay(10);
        await store.WriteAsync(new WriteRequest("big", data.Length), new MemoryStream(TestData.Bytes(data.Length, seed: 6)), CancellationToken.None);
        var error = await Assert.ThrowsAsync<StoreException>(() => reading.CopyToAsync(Stream.Null));

        Assert.Equal(StoreErrorKind.PreconditionFailed, error.Kind);
    }

    [Fact]
    public async Task OpenAsync_MissingBucket_IsFatalWithOneLineCause()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => fixture.OpenAsync(GcsFixture.NewBucketName()));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Contains("does not exist", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task OpenAsync_VersionedBucket_AnnouncesVersionsAndGenerations()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync(versioned: true));
        var written = await store.WriteAsync(new WriteRequest("v", 1), new MemoryStream([7]), CancellationToken.None);

        Assert.True(store.Capabilities.Versions);
        Assert.NotNull(written.Version);
        Assert.Equal(written.Version, (await store.StatAsync("v", CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Capabilities_ResumableUploadsTakeOneChunkAtATime_SoSourcesAreReadAsOneStream()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());

        Assert.True(store.Capabilities.SequentialWrites);
    }

    [Fact]
    public async Task PruneNoncurrentVersionsAsync_OlderThanThreshold_DeletesOnlyThoseGenerations()
    {
        var bucket = await fixture.CreateBucketAsync(versioned: true);
        var store = await fixture.OpenAsync(bucket, "p/");
        var other = await fixture.OpenAsync(bucket, "elsewhere/");
        await store.WriteAsync(new WriteRequest("a", 1), new MemoryStream([1]), CancellationToken.None);
        await Task.Delay(10);
        var live = await store.WriteAsync(new WriteRequest("a", 1), new MemoryStream([2]), CancellationToken.None);
        await store.WriteAsync(new WriteRequest("b", 1), new MemoryStream([3]), CancellationToken.None);
        await store.DeleteAsync("b", CancellationToken.None);
        await other.WriteAsync(new WriteRequest("c", 1), new MemoryStream([4]), CancellationToken.None);
        await Task.Delay(10);
        await other.WriteAsync(new WriteRequest("c", 1), new MemoryStream([5]), CancellationToken.None);
        Assert.Equal(3, fixture.Gaps.NoncurrentCount(bucket));

        var none = await store.PruneNoncurrentVersionsAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        var pruned = await store.PruneNoncurrentVersionsAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);

        Assert.Equal(0, none);
        Assert.Equal(2, pruned);
        Assert.Equal(1, fixture.Gaps.NoncurrentCount(bucket)); // the other prefix's generation is untouched
        Assert.Equal(live.Version, (await store.StatAsync("a", CancellationToken.None))!.Version);
        Assert.Equal([2], await ReadAllAsync(store, "a"));
    }

    private static async Task<byte[]> ReadAllAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, 0, null, CancellationToken.None);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>An in-memory session record (the SQLite one is exercised end to end).</summary>
    private sealed class MemorySessions : IUploadSessionStore
    {
        public string? Uri { get; private set; }

        public bool KeepOnDelete { get; init; }

        public Task<string?> FindUploadSessionAsync(long jobId, string key, string sourceFingerprint, CancellationToken cancellationToken) => Task.FromResult(Uri);

        public Task SaveUploadSessionAsync(long jobId, string key, string sourceFingerprint, string sessionUri, CancellationToken cancellationToken)
        {
            Uri = sessionUri;
            return Task.CompletedTask;
        }

        public Task DeleteUploadSessionAsync(long jobId, string key, CancellationToken cancellationToken)
        {
            Uri = KeepOnDelete ? Uri : null;
            return Task.CompletedTask;
        }
    }

    /// <summary>Yields <c>limit</c> bytes of the data, then fails like a broken source read.</summary>
    private sealed class FailingAfterStream(byte[] data, int limit) : ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= limit)
            {
                throw new IOException("source connection reset (test)");
            }

            var n = Math.Min(count, limit - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
    }
}
