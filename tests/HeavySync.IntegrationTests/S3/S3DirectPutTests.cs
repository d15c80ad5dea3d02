using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Small PUTs sent straight over HTTP (<see cref="S3DirectPut"/>) against radosgw: they
/// store exactly what the SDK's PutObject stores, and fail the way it fails.</summary>
public sealed class S3DirectPutTests(S3BucketFixture fixture) : IClassFixture<S3BucketFixture>
{
    /// <summary>Keys whose bytes a URI could bend: reserved and non-ASCII characters, control
    /// characters, empty and trailing segments, a literal percent escape.</summary>
    private static readonly string[] Keys =
    [
        "plain.bin", "photo.jpg", "dir/sub/deep.txt", "a b+c&d=e?f#g;h,i@j:k$l!m'n(o)p*q", "per%cent%2Fliteral",
        "back\\slash", "dbl//slash", "trailing/", "~tilde_-.", "ünï/cödé 日本.txt", "ctl\u0001tab\t", "..dots../.x",
    ];

    [Fact]
    public async Task WriteAsync_SmallObjects_StoreWhatTheSdkStores()
    {
        await using var direct = await fixture.OpenAsync(prefix: "direct/");
        await using var viaSdk = await fixture.OpenAsync(prefix: "sdk/", options: new S3StoreOptions { DirectPutMaxBytes = 0 });
        var mtime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var contents = Keys.Select((key, i) => (Key: key, Data: TestData.Bytes(i * 377, i))).ToList();

        foreach (var (key, data) in contents)
        {
            var request = new WriteRequest(key, data.Length) { LastModified = mtime, Md5 = TestData.Md5Hex(data) };
            var a = await direct.WriteAsync(request, new MemoryStream(data), default);
            var b = await viaSdk.WriteAsync(request, new MemoryStream(data), default);
            Assert.Equal(b, a);
        }

        var typed = new WriteRequest("typed.dat", 3) { ContentType = "application/x-heavysync; v=1" };
        await direct.WriteAsync(typed, new MemoryStream([1, 2, 3]), default);
        await viaSdk.WriteAsync(typed, new MemoryStream([1, 2, 3]), default);

        Assert.Equal(Keys.Length + 1, direct.DirectPuts);
        Assert.Equal(0, viaSdk.DirectPuts);
        foreach (var key in Keys.Append("typed.dat"))
        {
            var sent = await fixture.Client.GetObjectMetadataAsync(fixture.Bucket, "direct/" + key);
            var expected = await fixture.Client.GetObjectMetadataAsync(fixture.Bucket, "sdk/" + key);
            Assert.Equal(expected.ETag, sent.ETag);
            Assert.Equal(expected.ContentLength, sent.ContentLength);
            Assert.Equal(expected.Headers.ContentType, sent.Headers.ContentType);
            Assert.Equal(expected.Metadata.Keys.Order(), sent.Metadata.Keys.Order());
            Assert.All(expected.Metadata.Keys, name => Assert.Equal(expected.Metadata[name], sent.Metadata[name]));
        }

        foreach (var (key, data) in contents)
        {
            await using var read = await direct.OpenReadAsync(key, 0, null, default);
            Assert.Equal(data, await TestData.ReadAllAsync(read));
        }

        var listed = await direct.ListAsync(null, default).Select(e => e.Key).ToListAsync();
        Assert.Equal(Keys.Append("typed.dat").Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task OpenListRead_NeverSetUpTheDirectPath_TheFirstSmallWriteDoes()
    {
        await fixture.Client.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Bucket, Key = "lazy/seed", ContentBody = "seed" });
        await using var store = await fixture.OpenAsync(prefix: "lazy/");

        // A source only lists and reads: the endpoint rules the direct path needs are never resolved.
        Assert.Contains("seed", await store.ListAsync(null, default).Select(e => e.Key).ToListAsync());
        await using (var read = await store.OpenReadAsync("seed", 0, null, default))
        {
            Assert.Equal("seed"u8.ToArray(), await TestData.ReadAllAsync(read));
        }

        Assert.False(store.DirectPathResolved);

        await store.WriteAsync(new WriteRequest("written", 2) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([1, 2]), default);
        Assert.True(store.DirectPathResolved);
        Assert.Equal(1, store.DirectPuts);
    }

    [Fact]
    public async Task WriteAsync_DotSegmentKeys_GoThroughTheSdk()
    {
        await using var store = await fixture.OpenAsync();

        await store.WriteAsync(new WriteRequest("a/./b", 1) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([7]), default);
        await store.WriteAsync(new WriteRequest("plain", 1) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([8]), default);

        Assert.Equal(1, store.DirectPuts);
    }

    [Fact]
    public async Task WriteAsync_BucketDeletedAfterOpen_IsFatalNoSuchBucket()
    {
        var bucket = $"gone-direct-{Guid.NewGuid():N}"[..30];
        await fixture.Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        await using var store = await fixture.OpenAsync(bucket: bucket);
        await fixture.Client.DeleteBucketAsync(bucket);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("k", 1) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([1]), default));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.EndsWith(": NoSuchBucket", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, store.DirectPuts);
    }

    [Fact]
    public async Task WriteAsync_ContentChangedUnderTheDeclaredMd5_IsRejectedBeforeSending()
    {
        await using var store = await fixture.OpenAsync();

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("k", 2) { Md5 = TestData.Md5Hex([9, 9]) }, new MemoryStream([1, 2]), default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Equal(0, store.DirectPuts);
        Assert.Empty(await store.ListAsync(null, default).ToListAsync());
    }
}
