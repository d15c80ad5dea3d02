using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>S3-specific behaviour of <see cref="S3ObjectStore"/> against radosgw (unversioned bucket).</summary>
public sealed partial class S3ObjectStoreTests(S3BucketFixture fixture) : IClassFixture<S3BucketFixture>
{
    private const int KiB = 1024;

    /// <summary>Forces multipart paths with small objects (the test server accepts 64 KiB parts).</summary>
    private static readonly S3StoreOptions SmallParts = new()
    {
        SinglePutThresholdBytes = 256 * KiB,
        MinPartSizeBytes = 64 * KiB,
        MultipartCopyThresholdBytes = 256 * KiB,
        MinCopyPartSizeBytes = 64 * KiB,
        ParallelReadThresholdBytes = 256 * KiB,
        ReadChunkBytes = 64 * KiB,
    };

    [Fact]
    public async Task WriteAsync_ManySmallParts_RoundTripsWithMultipartETag()
    {
        await using var store = await fixture.OpenAsync(options: SmallParts);
        var content = TestData.Bytes((64 * KiB * 20) + 123, 1);
        var md5 = TestData.Md5Hex(content);

        var written = await store.WriteAsync(new WriteRequest("big/a.bin", content.Length) { Md5 = md5 }, new MemoryStream(content), default);

        Assert.EndsWith("-21", written.ETag, StringComparison.Ordinal);
        Assert.Equal(md5, written.Md5);
        var stat = await store.StatAsync("big/a.bin", default);
        Assert.NotNull(stat);
        Assert.Equal(written.ETag, stat.ETag);
        Assert.Equal(md5, stat.Md5);
        Assert.Equal(content.Length, stat.Size);
        var listed = Assert.Single(await store.ListAsync(null, default).ToListAsync());
        Assert.Equal("big/a.bin", listed.Key);
        Assert.Equal(written.ETag, listed.ETag);
        Assert.Null(listed.Md5);
        await using var read = await store.OpenReadAsync("big/a.bin", 0, null, default);
        Assert.Equal(content, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task WriteAsync_MultipartStreamFails_AbortsUploadAndLeavesNoObject()
    {
        const string Prefix = "abort/";
        await using var store = await fixture.OpenAsync(prefix: Prefix, options: SmallParts);
        var content = TestData.Bytes(64 * KiB * 7, 2);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("fails.bin", content.Length + (64 * KiB)), new FailingStream(content), default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Null(await store.StatAsync("fails.bin", default));
        Assert.Empty(await ListUploadsAsync(Prefix));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(64 * KiB * 5)]
    public async Task WriteAsync_StreamShorterOrLongerThanLength_FailsAndLeavesNoObject(int size)
    {
        var prefix = $"short-{size}/";
        await using var store = await fixture.OpenAsync(prefix: prefix, options: SmallParts);
        var content = TestData.Bytes(size, 3);

        await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("short.bin", size + 1), new FailingStream(content, failAtEnd: false), default));
        await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("long.bin", size - 1), new MemoryStream(content), default));

        Assert.Null(await store.StatAsync("short.bin", default));
        Assert.Null(await store.StatAsync("long.bin", default));
        Assert.Empty(await ListUploadsAsync(prefix));
    }

    [Fact]
    public async Task CopyFromAsync_SmallObject_UsesCopyObjectAndKeepsMetadata()
    {
        var counts = new CountingObserver();
        await using var source = await fixture.OpenAsync(options: SmallParts);
        await using var destination = await fixture.OpenAsync(options: SmallParts, observer: counts);
        var content = TestData.Bytes(100 * KiB, 4);
        var mtime = new DateTimeOffset(2021, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567);
        var entry = await source.WriteAsync(new WriteRequest("c.bin", content.Length) { LastModified = mtime }, new MemoryStream(content), default);

        Assert.True(destination.CanCopyFrom(source));
        var copied = await destination.CopyFromAsync(source, entry, "copy/c.bin", default);

        Assert.Equal(1, counts[RequestOperations.Copy]);
        Assert.Equal(entry.Md5, copied.Md5);
        Assert.Equal(mtime, copied.LastModified);
        await using var read = await destination.OpenReadAsync("copy/c.bin", 0, null, default);
        Assert.Equal(content, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task CopyFromAsync_AboveThreshold_UsesUploadPartCopy()
    {
        var counts = new CountingObserver();
        await using var source = await fixture.OpenAsync(options: SmallParts);
        await using var destination = await fixture.OpenAsync(prefix: "partcopy/", options: SmallParts, observer: counts);
        var content = TestData.Bytes(64 * KiB * 16, 5);
        var mtime = new DateTimeOffset(2022, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var entry = await source.WriteAsync(new WriteRequest("m.bin", content.Length) { LastModified = mtime }, new MemoryStream(content), default);

        var copied = await destination.CopyFromAsync(source, entry, "m-copy.bin", default);

        Assert.Equal(16, counts[RequestOperations.Copy]);
        Assert.EndsWith("-16", copied.ETag, StringComparison.Ordinal);
        Assert.Equal(mtime, copied.LastModified);
        Assert.Equal(content.Length, copied.Size);
        await using var read = await destination.OpenReadAsync("m-copy.bin", 0, null, default);
        Assert.Equal(content, await TestData.ReadAllAsync(read));
        Assert.Empty(await ListUploadsAsync("partcopy/"));
    }

    [Fact]
    public async Task CanCopyFrom_OtherUsersCredentials_IsFalse()
    {
        var otherBucket = fixture.Bucket[..^2] + "u2";
        using var otherClient = fixture.NewClient(fixture.Server.OtherCredentials);
        await otherClient.PutBucketAsync(new PutBucketRequest { BucketName = otherBucket });
        await using var mine = await fixture.OpenAsync();
        await using var mineElsewhere = await fixture.OpenAsync();
        await using var theirs = await fixture.OpenAsync(credentials: fixture.Server.OtherCredentials, bucket: otherBucket);

        Assert.False(mine.CanCopyFrom(theirs));
        Assert.False(theirs.CanCopyFrom(mine));
        Assert.True(mine.CanCopyFrom(mineElsewhere));
    }

    [Fact]
    public async Task DeleteManyAsync_2500Keys_DeletesAllInThreeRequests()
    {
        var counts = new CountingObserver();
        await using var store = await fixture.OpenAsync(observer: counts);
        var keys = Enumerable.Range(0, 2500).Select(i => $"d/{i:D5}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, token) =>
            await store.WriteAsync(new WriteRequest(key, 1) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([7]), token));
        counts.Reset();

        var failures = await store.DeleteManyAsync(keys, default);

        Assert.Empty(failures);
        Assert.Equal(3, counts[RequestOperations.Delete]);
        Assert.Empty(await store.ListAsync(null, default).ToListAsync());
    }

    [Fact]
    public async Task WriteAsync_Mtime_IsStoredInRcloneFormatAndRoundTrips()
    {
        await using var store = await fixture.OpenAsync(prefix: "mtime/");
        var mtime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567);

        await store.WriteAsync(new WriteRequest("a.txt", 2) { LastModified = mtime }, new MemoryStream([1, 2]), default);
        await fixture.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = fixture.Bucket,
            Key = "mtime/by-rclone.txt",
            ContentBody = "x",
            Metadata = { ["mtime"] = "1600000000.5" },
        });

        var head = await fixture.Client.GetObjectMetadataAsync(fixture.Bucket, "mtime/a.txt");
        Assert.Equal("1700000000.123456700", head.Metadata["mtime"]);
        Assert.Equal(mtime, (await store.StatAsync("a.txt", default))?.LastModified);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_600_000_000_500), (await store.StatAsync("by-rclone.txt", default))?.LastModified);
    }

    [Fact]
    public async Task OpenAsync_MissingBucket_IsFatal()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => fixture.OpenAsync(bucket: "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8]));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Contains("does not exist at " + fixture.Server.Endpoint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_BadSecretOrUnknownKey_IsFatal()
    {
        var badSecret = new Amazon.Runtime.BasicAWSCredentials(fixture.Server.AccessKey, "wrong-secret-wrong-secret-wrong-secret-00");
        var unknownKey = new Amazon.Runtime.BasicAWSCredentials("NOSUCHACCESSKEY00000", "wrong-secret-wrong-secret-wrong-secret-00");

        var bad = await Assert.ThrowsAsync<StoreException>(() => fixture.OpenAsync(credentials: badSecret));
        var unknown = await Assert.ThrowsAsync<StoreException>(() => fixture.OpenAsync(credentials: unknownKey));

        Assert.Equal(StoreErrorKind.Fatal, bad.Kind);
        Assert.Equal($"S3 rejected the credentials for s3://{fixture.Bucket}: SignatureDoesNotMatch", bad.Message);
        Assert.Equal(StoreErrorKind.Fatal, unknown.Kind);
        Assert.Equal($"S3 rejected the credentials for s3://{fixture.Bucket}: InvalidAccessKeyId", unknown.Message);
    }

    [Fact]
    public async Task Requests_AreCountedByOperation()
    {
        var counts = new CountingObserver();
        await using var store = await fixture.OpenAsync(observer: counts);
        Assert.Equal(1, counts[RequestOperations.Head]);
        counts.Reset();

        await store.WriteAsync(new WriteRequest("k", 3) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([1, 2, 3]), default);
        await store.StatAsync("k", default);
        await using (var read = await store.OpenReadAsync("k", 1, 2, default))
        {
            Assert.Equal([2, 3], await TestData.ReadAllAsync(read));
        }

        await store.ListAsync(null, default).ToListAsync();
        await store.DeleteAsync("k", default);

        Assert.Equal(1, counts[RequestOperations.Put]);
        Assert.Equal(1, counts[RequestOperations.Head]);
        Assert.Equal(1, counts[RequestOperations.Get]);
        Assert.Equal(1, counts[RequestOperations.List]);
        Assert.Equal(1, counts[RequestOperations.Delete]);
        Assert.Equal(0, counts[RequestOperations.Copy]);
    }

    [Fact]
    public async Task OpenReadAsync_LargeWholeObject_FetchesRangesInParallel()
    {
        var counts = new CountingObserver();
        await using var store = await fixture.OpenAsync(options: SmallParts, observer: counts);
        var content = TestData.Bytes((64 * KiB * 16) + 5, 6);
        await store.WriteAsync(new WriteRequest("large.bin", content.Length), new MemoryStream(content), default);
        counts.Reset();

        await using var read = await store.OpenReadAsync("large.bin", 0, null, default);
        var bytes = await TestData.ReadAllAsync(read);

        Assert.Equal(content, bytes);
        Assert.Equal(1 + 17, counts[RequestOperations.Get]);
    }

    [Fact]
    public async Task ListAsync_StartAfter_ResumesAfterKeyAndStripsPrefix()
    {
        await using var store = await fixture.OpenAsync(prefix: "list/");
        foreach (var key in new[] { "a", "b/c", "b/d", "e" })
        {
            await store.WriteAsync(new WriteRequest(key, 0), new MemoryStream(), default);
        }

        var all = await store.ListAsync(null, default).Select(e => e.Key).ToListAsync();
        var after = await store.ListAsync("b/c", default).Select(e => e.Key).ToListAsync();

        Assert.Equal(["a", "b/c", "b/d", "e"], all);
        Assert.Equal(["b/d", "e"], after);
    }

    private async Task<List<MultipartUpload>> ListUploadsAsync(string prefix)
    {
        var response = await fixture.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = fixture.Bucket, Prefix = prefix });
        return response.MultipartUploads ?? [];
    }
}
