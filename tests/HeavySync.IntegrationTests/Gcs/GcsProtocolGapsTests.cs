using HeavySync.Hashing;
using HeavySync.IntegrationTests.S3;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>The GCS client against Google's storage emulator behind the gaps layer: chunks kept but
/// their answers lost, generation preconditions on every upload type and on deletes, the last chunk's
/// hashes, servers that ignore Range, composite objects, listing pages and the fields projection.</summary>
public sealed class GcsProtocolGapsTests(GcsFixture fixture) : IClassFixture<GcsFixture>
{
    private const int Chunk = 256 * 1024;

    [Theory]
    [InlineData(GcsEmulatorGaps.ChunkFaultKind.AllPersisted, 2)]
    [InlineData(GcsEmulatorGaps.ChunkFaultKind.AllPersistedConnectionDropped, 2)]
    [InlineData(GcsEmulatorGaps.ChunkFaultKind.AllPersisted, 0)] // the first chunk, sent while it is read
    [InlineData(GcsEmulatorGaps.ChunkFaultKind.AllPersistedConnectionDropped, 0)]
    public async Task WriteAsync_WholeChunkKeptButItsAnswerLost_FinishesWithoutSendingItAgain(GcsEmulatorGaps.ChunkFaultKind fault, int failingChunk)
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var data = TestData.Bytes((5 * Chunk) + 99, seed: 11);
        var resentBefore = fixture.Gaps.ResentBytes;
        var receivedBefore = fixture.Gaps.ReceivedBytes;
        var queriesBefore = fixture.Gaps.StatusQueries;
        ObjectEntry written;
        lock (fixture.Gaps)
        {
            fixture.Gaps.ChunkFault = fault;
            fixture.Gaps.FailChunkNumber = (int)fixture.Gaps.ChunkPuts + failingChunk;
        }

        try
        {
            written = await store.WriteAsync(new WriteRequest("kept.bin", data.Length), new MemoryStream(data), CancellationToken.None);
        }
        finally
        {
            fixture.Gaps.FailChunkNumber = -1;
            fixture.Gaps.ChunkFault = GcsEmulatorGaps.ChunkFaultKind.HalfPersisted;
        }

        Assert.Equal(Crc32c.Compute(data), written.Crc32c);
        Assert.Equal(data, await ReadAllAsync(store, "kept.bin"));
        Assert.True(fixture.Gaps.StatusQueries > queriesBefore, "the session was never asked what it kept");
        Assert.Equal(0, fixture.Gaps.ResentBytes - resentBefore);
        Assert.Equal(data.Length, fixture.Gaps.ReceivedBytes - receivedBefore);
    }

    [Fact]
    public async Task WriteAsync_ResumableUpload_LastChunkCarriesTheHashesTheLayerChecks()
    {
        var bucket = await fixture.CreateBucketAsync();
        var store = await fixture.OpenAsync(bucket);
        var data = TestData.Bytes((3 * Chunk) + 5, seed: 12);
        var hashedBefore = fixture.Gaps.HashedLastChunks;

        await store.WriteAsync(new WriteRequest("hashed.bin", data.Length), new MemoryStream(data), CancellationToken.None);

        Assert.Equal(1, fixture.Gaps.HashedLastChunks - hashedBefore);
        var hashed = Assert.Single(fixture.Gaps.Recorded, r => r.GoogHash is not null && r.Query["upload_id"] is not null && Bucket(r) == bucket);
        Assert.Contains("crc32c=" + Crc32c.ToBase64BigEndian(Crc32c.Compute(data)), hashed.GoogHash);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("crc32c")]
    [InlineData("md5")]
    public async Task Layer_LastChunkHashes_AreCheckedAgainstEveryChunkReceived(string? wrong)
    {
        // The layer keeps the hashes as chunks arrive; the last chunk's X-Goog-Hash must match all of them.
        var bucket = await fixture.CreateBucketAsync();
        var data = TestData.Bytes((2 * Chunk) + 7, seed: 21);
        var other = TestData.Bytes(data.Length, seed: 22);
        var crc = Crc32c.ToBase64BigEndian(Crc32c.Compute(wrong == "crc32c" ? other : data));
        var md5 = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(wrong == "md5" ? other : data));
        using var http = new HttpClient();
        using var start = new HttpRequestMessage(HttpMethod.Post, $"{fixture.Gaps.Endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=resumable&name=hashed-{wrong}.bin")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        start.Headers.Add("X-Upload-Content-Length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var started = await http.SendAsync(start);
        var session = started.Headers.Location!;

        using var first = await PutChunkAsync(http, session, data, 0, Chunk, null);
        using var last = await PutChunkAsync(http, session, data, Chunk, data.Length - Chunk, $"crc32c={crc},md5={md5}");

        Assert.Equal(308, (int)first.StatusCode);
        Assert.Equal(wrong is null ? 200 : 400, (int)last.StatusCode);
    }

    private static Task<HttpResponseMessage> PutChunkAsync(HttpClient http, Uri session, byte[] data, int from, int count, string? hashes)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = new ByteArrayContent(data, from, count) };
        request.Content.Headers.ContentRange = new System.Net.Http.Headers.ContentRangeHeaderValue(from, from + count - 1, data.Length);
        if (hashes is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Goog-Hash", hashes);
        }

        return http.SendAsync(request);
    }

    [Theory]
    [InlineData(100)]
    [InlineData((4 * Chunk) + 3)]
    public async Task WriteAsync_ListedAbsentAndStillAbsent_CreatesTheObject(int size)
    {
        var bucket = await fixture.CreateBucketAsync();
        var store = await fixture.OpenAsync(bucket);
        var data = TestData.Bytes(size, seed: 13);

        await store.WriteAsync(new WriteRequest("new.bin", size) { ExpectedDestination = ExpectedDestination.Absent }, new MemoryStream(data), CancellationToken.None);

        Assert.Equal(data, await ReadAllAsync(store, "new.bin"));
        Assert.Contains(fixture.Gaps.Recorded, r => r.Method == "POST" && Bucket(r) == bucket && r.Query["ifGenerationMatch"] == "0");
    }

    [Theory]
    [InlineData(100)]
    [InlineData((4 * Chunk) + 3)]
    public async Task WriteAsync_ListedAbsentButWrittenSince_IsPermanentAndTheirObjectStays(int size)
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var theirs = await store.WriteAsync(new WriteRequest("taken.bin", 5), new MemoryStream("their"u8.ToArray()), CancellationToken.None);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(
            new WriteRequest("taken.bin", size) { ExpectedDestination = ExpectedDestination.Absent }, new MemoryStream(TestData.Bytes(size, seed: 14)), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains("changed since the listing", error.Message);
        Assert.Equal("their"u8.ToArray(), await ReadAllAsync(store, "taken.bin"));
        Assert.Equal(theirs.Version, (await store.StatAsync("taken.bin", CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task WriteAsync_ListedGenerationReplacedDuringTheUpload_IsRefusedAtTheLastChunk()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var listed = await store.WriteAsync(new WriteRequest("moving.bin", 1), new MemoryStream([1]), CancellationToken.None);
        var data = TestData.Bytes((4 * Chunk) + 3, seed: 15);
        var sessions = new OneSession();
        var request = new WriteRequest("moving.bin", data.Length)
        {
            ExpectedDestination = ExpectedDestination.AtVersion(listed.Version!),
            UploadSession = new UploadSessionSlot(sessions, 1, "moving.bin", "fp"),
        };

        // The first attempt's source breaks after two chunks; meanwhile someone replaces the object.
        await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new BreakingStream(data, 2 * Chunk), CancellationToken.None));
        await store.WriteAsync(new WriteRequest("moving.bin", 2), new MemoryStream([2, 2]), CancellationToken.None);
        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream(data), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains("changed since the listing", error.Message);
        Assert.Equal([2, 2], await ReadAllAsync(store, "moving.bin"));
        Assert.Null(sessions.Uri);
    }

    [Fact]
    public async Task DeleteIfUnchangedAsync_ObjectRecreatedSinceListing_IsRefusedAndStays()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var listed = await store.WriteAsync(new WriteRequest("orphan", 1), new MemoryStream([1]), CancellationToken.None);
        await Task.Delay(10); // the emulator's generations are millisecond clocks
        var recreated = await store.WriteAsync(new WriteRequest("orphan", 1), new MemoryStream([2]), CancellationToken.None);

        Assert.False(await store.DeleteIfUnchangedAsync("orphan", ExpectedDestination.AtVersion(listed.Version!), CancellationToken.None));
        Assert.Equal([2], await ReadAllAsync(store, "orphan"));

        Assert.True(await store.DeleteIfUnchangedAsync("orphan", ExpectedDestination.AtVersion(recreated.Version!), CancellationToken.None));
        Assert.Null(await store.StatAsync("orphan", CancellationToken.None));
    }

    [Fact]
    public async Task OpenReadAsync_ServerIgnoresRange_StillYieldsTheAskedBytes()
    {
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync());
        var data = TestData.Bytes(6 * 128 * 1024, seed: 16);
        await store.WriteAsync(new WriteRequest("r.bin", data.Length), new MemoryStream(data), CancellationToken.None);
        fixture.Gaps.IgnoreRange = true;
        try
        {
            Assert.Equal(data[1234..5678], await ReadAsync(store, "r.bin", 1234, 5678 - 1234));
            Assert.Equal(data, await ReadAllAsync(store, "r.bin"));
        }
        finally
        {
            fixture.Gaps.IgnoreRange = false;
        }
    }

    [Fact]
    public async Task ListAsync_CompositeObjects_CarryCrc32cOnly()
    {
        var bucket = await fixture.CreateBucketAsync();
        fixture.Gaps.ServeAsComposite(bucket);
        var store = await fixture.OpenAsync(bucket);
        var data = TestData.Bytes(700 * 1024, seed: 17);

        var written = await store.WriteAsync(new WriteRequest("c.bin", data.Length), new MemoryStream(data), CancellationToken.None);
        var listed = await SingleAsync(store);

        Assert.Null(written.Md5);
        Assert.Null(listed.Md5);
        Assert.Equal(Crc32c.Compute(data), listed.Crc32c);
    }

    [Fact]
    public async Task ListAsync_SmallPages_YieldsEveryObjectOnceInOrderWithTheFieldsProjection()
    {
        var bucket = await fixture.CreateBucketAsync();
        var writer = await fixture.OpenAsync(bucket, "p/");
        var keys = Enumerable.Range(0, 50).Select(i => $"k{i:D2}").ToList();
        foreach (var key in keys)
        {
            await writer.WriteAsync(new WriteRequest(key, 1), new MemoryStream([1]), CancellationToken.None);
        }

        var store = await fixture.OpenAsync(bucket, "p/", GcsFixture.SmallOptions with { ListPageSize = 7 });
        var listed = new List<string>();
        await foreach (var entry in store.ListAsync(null, CancellationToken.None))
        {
            listed.Add(entry.Key);
        }

        Assert.Equal(keys, listed);
        var pages = fixture.Gaps.Recorded.Where(r => r.Method == "GET" && r.Path.EndsWith($"/b/{bucket}/o", StringComparison.Ordinal) && r.Query["maxResults"] == "7").ToList();
        Assert.Equal(8, pages.Count);
        Assert.All(pages, p => Assert.Equal("items(name,size,generation,md5Hash,crc32c,updated,metadata/mtime),nextPageToken", p.Query["fields"]));
        Assert.Null(pages[0].Query["pageToken"]);
        Assert.All(pages.Skip(1), p => Assert.False(string.IsNullOrEmpty(p.Query["pageToken"])));
    }

    /// <summary>One recorded upload session, in memory.</summary>
    private sealed class OneSession : IUploadSessionStore
    {
        public string? Uri { get; private set; }

        public Task<string?> FindUploadSessionAsync(long jobId, string key, string sourceFingerprint, CancellationToken cancellationToken) => Task.FromResult(Uri);

        public Task SaveUploadSessionAsync(long jobId, string key, string sourceFingerprint, string sessionUri, CancellationToken cancellationToken)
        {
            Uri = sessionUri;
            return Task.CompletedTask;
        }

        public Task DeleteUploadSessionAsync(long jobId, string key, CancellationToken cancellationToken)
        {
            Uri = null;
            return Task.CompletedTask;
        }
    }

    /// <summary>Yields the first <c>limit</c> bytes, then fails like a broken source read.</summary>
    private sealed class BreakingStream(byte[] data, int limit) : ReadOnlyStream
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

    private static string? Bucket(GcsEmulatorGaps.RecordedRequest request)
    {
        var segments = request.Path.Trim('/').Split('/');
        var at = Array.IndexOf(segments, "b");
        return at >= 0 && at + 1 < segments.Length ? Uri.UnescapeDataString(segments[at + 1]) : null;
    }

    private static async Task<ObjectEntry> SingleAsync(IObjectStore store)
    {
        var all = new List<ObjectEntry>();
        await foreach (var entry in store.ListAsync(null, CancellationToken.None))
        {
            all.Add(entry);
        }

        return Assert.Single(all);
    }

    private static Task<byte[]> ReadAllAsync(IObjectStore store, string key) => ReadAsync(store, key, 0, null);

    private static async Task<byte[]> ReadAsync(IObjectStore store, string key, long offset, long? length)
    {
        await using var stream = await store.OpenReadAsync(key, offset, length, CancellationToken.None);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
