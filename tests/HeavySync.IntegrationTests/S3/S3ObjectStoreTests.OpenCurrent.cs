using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>A whole-object read that also describes the object: one GET instead of HEAD + GET.</summary>
public sealed partial class S3ObjectStoreTests
{
    [Theory]
    [InlineData("single.bin", 1000, ReadPattern.Parallel, 1)]                    // one PUT: the ETag is the MD5; one GET
    [InlineData("multi.bin", (64 * 1024 * 16) + 5, ReadPattern.Parallel, 1 + 17)] // multipart: the MD5 the writer vouched for, from metadata; 17 parallel ranges after the first GET
    [InlineData("multi-seq.bin", (64 * 1024 * 16) + 5, ReadPattern.Sequential, 1)] // read for a one-request-at-a-time writer: the first GET's own stream
    public async Task OpenCurrentAsync_DescribesTheObjectAsStatDoes_WithoutAHead(string key, int size, ReadPattern pattern, int gets)
    {
        var counts = new CountingObserver();
        await using var store = await fixture.OpenAsync(prefix: "current/", options: SmallParts, observer: counts);
        var content = TestData.Bytes(size, 11);
        var mtime = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(content));
        await store.WriteAsync(new WriteRequest(key, content.Length) { LastModified = mtime, Md5 = md5 }, new MemoryStream(content), default);
        var stat = await store.StatAsync(key, default);
        counts.Reset();

        var read = await store.OpenCurrentAsync(key, pattern, default);

        Assert.NotNull(read);
        await using (read.Body)
        {
            Assert.Equal(content, await TestData.ReadAllAsync(read.Body));
        }

        Assert.Equal(stat, read.Entry);
        Assert.Equal(mtime, read.Entry.LastModified);
        Assert.Equal(md5, read.Entry.Md5);
        Assert.Equal(0, counts[RequestOperations.Head]);
        Assert.Equal(gets, counts[RequestOperations.Get]);
    }

    [Fact]
    public async Task OpenCurrentAsync_MissingObject_IsNull()
    {
        await using var store = await fixture.OpenAsync(prefix: "current/");

        Assert.Null(await store.OpenCurrentAsync("absent.bin", ReadPattern.Parallel, default));
        Assert.Null(await store.OpenCurrentAsync("absent.bin", ReadPattern.Sequential, default));
    }

    [Fact]
    public async Task OpenCurrentAsync_ObjectReplacedDuringAParallelRead_FailsInsteadOfMixingVersions()
    {
        await using var store = await fixture.OpenAsync(prefix: "current/", options: SmallParts);
        var first = TestData.Bytes((64 * 1024 * 40) + 3, 12);
        await store.WriteAsync(new WriteRequest("replaced.bin", first.Length), new MemoryStream(first), default);

        var read = await store.OpenCurrentAsync("replaced.bin", ReadPattern.Parallel, default);
        Assert.NotNull(read);
        var second = TestData.Bytes(first.Length, 13);
        await store.WriteAsync(new WriteRequest("replaced.bin", second.Length), new MemoryStream(second), default);

        // Ranges still to be fetched are pinned to the ETag the first GET saw: the new version answers
        // 412, which the store reports as NotFound (the copier then asks the source and retries).
        await using (read.Body)
        {
            var ex = await Assert.ThrowsAsync<StoreException>(() => TestData.ReadAllAsync(read.Body));
            Assert.Equal(StoreErrorKind.NotFound, ex.Kind);
        }
    }
}
