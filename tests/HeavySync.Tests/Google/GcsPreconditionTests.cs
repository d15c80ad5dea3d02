using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>objects.rewrite rounds and the generation preconditions of writes, copies and deletes,
/// against <see cref="FakeGcs"/>.</summary>
public sealed class GcsPreconditionTests
{
    [Fact]
    public async Task CopyFromAsync_RewriteTakesRounds_SendsEachTokenBackWithTheSameParameters()
    {
        var fake = new FakeGcs { RewriteRounds = 3 };
        var data = FakeGcsStores.Bytes(5000, seed: 1);
        fake.Put("src/a", data);
        await using var source = await FakeGcsStores.OpenAsync(fake, prefix: "src/");
        await using var destination = await FakeGcsStores.OpenAsync(fake, FakeGcsStores.Small with { MaxBytesRewrittenPerCall = 1024 * 1024 }, prefix: "dst/");
        var entry = (await source.StatAsync("a", CancellationToken.None))!;

        var copied = await destination.CopyFromAsync(source, entry, "a", ExpectedDestination.Absent, CancellationToken.None);

        var calls = fake.Calls.Where(c => c.Uri.AbsolutePath.Contains("/rewriteTo/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c =>
        {
            Assert.Equal("1048576", c.Query["maxBytesRewrittenPerCall"]);
            Assert.Equal(entry.Version, c.Query["ifSourceGenerationMatch"]);
            Assert.Equal("0", c.Query["ifGenerationMatch"]);
        });
        Assert.Null(calls[0].Query["rewriteToken"]);
        Assert.EndsWith("-1", calls[1].Query["rewriteToken"]);
        Assert.EndsWith("-2", calls[2].Query["rewriteToken"]);
        Assert.Equal(entry.Md5, copied.Md5);
        Assert.Equal(data, fake.Data("dst/a"));
    }

    [Fact]
    public async Task CopyFromAsync_SourceReplacedSinceListing_IsPreconditionFailed()
    {
        var fake = new FakeGcs();
        fake.Put("src/a", [1, 2, 3]);
        await using var source = await FakeGcsStores.OpenAsync(fake, prefix: "src/");
        await using var destination = await FakeGcsStores.OpenAsync(fake, prefix: "dst/");
        var listed = (await source.StatAsync("a", CancellationToken.None))!;
        fake.Put("src/a", [4, 5, 6]);

        var error = await Assert.ThrowsAsync<StoreException>(() => destination.CopyFromAsync(source, listed, "a", ExpectedDestination.Absent, CancellationToken.None));

        Assert.Equal(StoreErrorKind.PreconditionFailed, error.Kind);
        Assert.Null(fake.Data("dst/a"));
    }

    [Fact]
    public async Task CopyFromAsync_DestinationWrittenSinceListing_IsPermanentAndNotOverwritten()
    {
        var fake = new FakeGcs();
        fake.Put("src/a", [1, 2, 3]);
        await using var source = await FakeGcsStores.OpenAsync(fake, prefix: "src/");
        await using var destination = await FakeGcsStores.OpenAsync(fake, prefix: "dst/");
        var listed = (await source.StatAsync("a", CancellationToken.None))!;
        fake.Put("dst/a", [9]);

        var error = await Assert.ThrowsAsync<StoreException>(() => destination.CopyFromAsync(source, listed, "a", ExpectedDestination.Absent, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains("changed since the listing", error.Message);
        Assert.Equal([9], fake.Data("dst/a"));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(600 * 1024)]
    public async Task WriteAsync_KeyListedAbsentButWrittenSince_IsPermanentAndNotOverwritten(int size)
    {
        var fake = new FakeGcs();
        var theirs = Encoding.UTF8.GetBytes("someone else's");
        var generation = fake.Put("k", theirs);
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var data = FakeGcsStores.Bytes(size, seed: 2);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(
            new WriteRequest("k", size) { ExpectedDestination = ExpectedDestination.Absent }, new MemoryStream(data), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains($"listed absent, now generation {generation}", error.Message);
        Assert.Equal(theirs, fake.Data("k"));
        Assert.Equal(generation, fake.Generation("k"));
    }

    [Fact]
    public async Task WriteAsync_ListedGeneration_IsSentAsIfGenerationMatch()
    {
        var fake = new FakeGcs();
        var generation = fake.Put("k", [1]);
        await using var store = await FakeGcsStores.OpenAsync(fake);

        await store.WriteAsync(
            new WriteRequest("k", 2) { ExpectedDestination = ExpectedDestination.AtVersion(generation.ToString(CultureInfo.InvariantCulture)) },
            new MemoryStream([2, 3]),
            CancellationToken.None);

        Assert.Equal(generation.ToString(CultureInfo.InvariantCulture), fake.Calls.Single(c => c.Query["uploadType"] == "multipart").Query["ifGenerationMatch"]);
        Assert.Equal([2, 3], fake.Data("k"));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(600 * 1024)]
    public async Task WriteAsync_StoredButAnswerLost_RetryRecognisesItsOwnObject(int size)
    {
        var fake = new FakeGcs();
        var lost = 0;

        // The upload that stores the object loses its answer; the retry then meets its own object (412).
        fake.After = call => (call.Query["uploadType"] == "multipart" || (call.IsChunk && call.GoogHash is not null)) && Interlocked.Increment(ref lost) == 1
            ? FakeGcs.Error(HttpStatusCode.BadGateway, "backendError")
            : null;
        fake.Before = call => call.IsStatusQuery ? FakeGcs.Error(HttpStatusCode.NotFound, "notFound") : null;
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var data = FakeGcsStores.Bytes(size, seed: 3);
        var request = new WriteRequest("k", size) { ExpectedDestination = ExpectedDestination.Absent };

        var written = size > 1024
            ? await RetriedAsync(() => store.WriteAsync(request, new MemoryStream(data), CancellationToken.None))
            : await store.WriteAsync(request, new MemoryStream(data), CancellationToken.None);

        Assert.Equal(size, written.Size);
        Assert.Equal(data, fake.Data("k"));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(600 * 1024)]
    public async Task WriteAsync_SameCopyDeliveredTwice_SecondKeepsTheStoredGeneration(int size)
    {
        var fake = new FakeGcs();
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var data = FakeGcsStores.Bytes(size, seed: 8);
        var request = new WriteRequest("k", size) { ExpectedDestination = ExpectedDestination.Absent };
        var first = await store.WriteAsync(request, new MemoryStream(data), CancellationToken.None);

        var second = await store.WriteAsync(request, new MemoryStream(data), CancellationToken.None);

        Assert.Equal(first.Version, second.Version);
        Assert.Equal(first.Version, fake.Generation("k")!.Value.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task WriteAsync_OwnEarlierObjectFailedVerification_NextAttemptMayReplaceIt()
    {
        var fake = new FakeGcs();
        var spoiled = 0;

        // The first upload is stored, but its answer reports another size: verification fails.
        fake.After = call =>
        {
            if (call.Query["uploadType"] != "multipart" || Interlocked.Increment(ref spoiled) != 1)
            {
                return null;
            }

            var resource = new JsonObject { ["name"] = "k", ["size"] = "1", ["generation"] = fake.Generation("k")!.Value.ToString(CultureInfo.InvariantCulture), ["crc32c"] = "AAAAAA==" };
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(resource.ToJsonString(), Encoding.UTF8, "application/json") };
        };
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var request = new WriteRequest("k", 3) { ExpectedDestination = ExpectedDestination.Absent };

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream([1, 2, 3]), CancellationToken.None));
        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        var ours = fake.Generation("k")!.Value;

        await store.WriteAsync(request with { }, new MemoryStream([1, 2, 3]), CancellationToken.None);

        var uploads = fake.Calls.Where(c => c.Query["uploadType"] == "multipart").ToList();
        Assert.Equal("0", uploads[0].Query["ifGenerationMatch"]);
        Assert.Equal(ours.ToString(CultureInfo.InvariantCulture), uploads[^1].Query["ifGenerationMatch"]);
        Assert.NotEqual(ours, fake.Generation("k"));
    }

    [Fact]
    public async Task DeleteIfUnchangedAsync_ObjectRecreatedSinceListing_LeavesItInPlace()
    {
        var fake = new FakeGcs();
        var listed = fake.Put("k", [1]);
        var recreated = fake.Put("k", [2]);
        await using var store = await FakeGcsStores.OpenAsync(fake);

        var refused = await store.DeleteIfUnchangedAsync("k", ExpectedDestination.AtVersion(listed.ToString(CultureInfo.InvariantCulture)), CancellationToken.None);
        Assert.False(refused);
        Assert.Equal([2], fake.Data("k"));
        Assert.Equal(listed.ToString(CultureInfo.InvariantCulture), fake.Calls.Last(c => c.Method == "DELETE").Query["ifGenerationMatch"]);

        Assert.True(await store.DeleteIfUnchangedAsync("k", ExpectedDestination.AtVersion(recreated.ToString(CultureInfo.InvariantCulture)), CancellationToken.None));
        Assert.Null(fake.Data("k"));
        Assert.True(await store.DeleteIfUnchangedAsync("k", ExpectedDestination.AtVersion(recreated.ToString(CultureInfo.InvariantCulture)), CancellationToken.None));
    }

    /// <summary>What the copier does after a transient failure: another attempt with fresh content.</summary>
    private static async Task<ObjectEntry> RetriedAsync(Func<Task<ObjectEntry>> attempt)
    {
        try
        {
            return await attempt();
        }
        catch (StoreException ex) when (ex.IsRetryable)
        {
            return await attempt();
        }
    }
}
