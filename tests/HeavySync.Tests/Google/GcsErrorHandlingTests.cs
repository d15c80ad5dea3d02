using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>How the GCS client classifies and retries failures (DESIGN.md §6), reads ranges from
/// servers that ignore Range, refuses answers it cannot verify, and bills requester-pays buckets,
/// against <see cref="FakeGcs"/>.</summary>
public sealed class GcsErrorHandlingTests
{
    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task OpenAsync_CredentialsRefused_IsFatalWithOneLineNamingTheSide(HttpStatusCode status)
    {
        var fake = new FakeGcs { Before = _ => FakeGcs.Error(status, "forbidden") };

        var error = await Assert.ThrowsAsync<StoreException>(() => FakeGcsStores.OpenAsync(fake, side: StoreSide.Destination));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Equal($"access to destination gs://bkt at {FakeGcs.Root} was denied (check the credentials and their roles)", error.Message);

        // Neither the probe nor the versioning read beside it is retried.
        Assert.Single(fake.Calls, c => c.Uri.AbsolutePath.EndsWith("/o", StringComparison.Ordinal));
        Assert.True(fake.Calls.Count <= 2, $"{fake.Calls.Count} calls");
    }

    [Fact]
    public async Task OpenAsync_ProbesAndReadsVersioningSideBySide()
    {
        // The listing probe waits until the versioning read has arrived: sequential requests would never finish.
        var versioningArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fake = new FakeGcs
        {
            Before = call =>
            {
                if (call.Uri.AbsolutePath.EndsWith("/o", StringComparison.Ordinal))
                {
                    Assert.True(versioningArrived.Task.Wait(TimeSpan.FromSeconds(10)), "the versioning read did not start beside the probe");
                }
                else
                {
                    versioningArrived.TrySetResult();
                }

                return null;
            },
        };

        await using var store = await FakeGcsStores.OpenAsync(fake);

        Assert.Equal(2, fake.Calls.Count);
    }

    [Fact]
    public async Task OpenAsync_MissingBucket_IsFatalNamingTheSide()
    {
        var fake = new FakeGcs { Before = _ => FakeGcs.Error(HttpStatusCode.NotFound, "notFound") };

        var error = await Assert.ThrowsAsync<StoreException>(() => FakeGcsStores.OpenAsync(fake, side: StoreSide.Source));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Equal($"source bucket gs://bkt does not exist at {FakeGcs.Root}", error.Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task StatAsync_CredentialsRefusedForOneObject_IsPermanentAndNotRetried(HttpStatusCode status)
    {
        var fake = new FakeGcs();
        fake.Put("secret", [1]);
        await using var store = await FakeGcsStores.OpenAsync(fake);
        fake.Before = call => call.Uri.AbsolutePath.EndsWith("/o/secret", StringComparison.Ordinal) ? FakeGcs.Error(status, "forbidden") : null;

        var error = await Assert.ThrowsAsync<StoreException>(() => store.StatAsync("secret", CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Single(fake.Calls, c => c.Uri.AbsolutePath.EndsWith("/o/secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_429WithRetryAfter_IsThrottledWaitsAsToldAndSucceeds()
    {
        var fake = new FakeGcs();
        var throttled = 0;
        fake.Before = call => call.Query["uploadType"] == "multipart" && Interlocked.Increment(ref throttled) <= 2
            ? FakeGcs.Error(HttpStatusCode.TooManyRequests, "rateLimitExceeded", TimeSpan.FromSeconds(7))
            : null;
        var observer = new ThrottleCounter();
        var clock = new RecordingTimeProvider();
        await using var store = await FakeGcsStores.OpenAsync(fake, FakeGcsStores.Small with { RetryBaseDelay = TimeSpan.FromMilliseconds(50) }, observer, clock);

        await store.WriteAsync(new WriteRequest("k", 3), new MemoryStream([1, 2, 3]), CancellationToken.None);

        Assert.Equal(2, observer.Throttled);
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)], clock.Delays);
        Assert.Equal([1, 2, 3], fake.Data("k"));
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task OpenReadAsync_408Or5xxEveryTime_IsTransientAfterEveryAttempt(HttpStatusCode status)
    {
        var fake = new FakeGcs();
        fake.Put("k", [1, 2, 3]);
        await using var store = await FakeGcsStores.OpenAsync(fake);
        fake.Before = call => call.Query["alt"] == "media" ? FakeGcs.Error(status, "backendError") : null;

        var error = await Assert.ThrowsAsync<StoreException>(() => store.OpenReadAsync("k", 0, null, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Equal(FakeGcsStores.Small.MaxAttempts, fake.Calls.Count(c => c.Query["alt"] == "media"));
    }

    [Fact]
    public async Task OpenReadAsync_ServerIgnoresRange_YieldsTheAskedBytes()
    {
        var fake = new FakeGcs();
        var data = FakeGcsStores.Bytes(40_000, seed: 4);
        fake.Put("k", data);
        await using var store = await FakeGcsStores.OpenAsync(fake, FakeGcsStores.Small with { ParallelReadThresholdBytes = 10_000, ReadChunkBytes = 7_000 });

        // A server may ignore Range: 200 and the whole object.
        fake.Before = call => call.Query["alt"] == "media" && call.Range is not null
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(data) }
            : null;

        Assert.Equal(data[1000..1500], await ReadAsync(store, 1000, 500));
        Assert.Equal(data, await ReadAsync(store, 0, null));
    }

    [Fact]
    public async Task OpenReadAsync_206ForAnotherRange_IsTransientNotWrongBytes()
    {
        var fake = new FakeGcs();
        var data = FakeGcsStores.Bytes(4_000, seed: 5);
        fake.Put("k", data);
        await using var store = await FakeGcsStores.OpenAsync(fake);
        fake.Before = call =>
        {
            if (call.Query["alt"] != "media" || call.Range is null)
            {
                return null;
            }

            var wrong = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(data[..500]) };
            wrong.Content.Headers.ContentRange = new System.Net.Http.Headers.ContentRangeHeaderValue(0, 499, data.Length);
            return wrong;
        };

        var error = await Assert.ThrowsAsync<StoreException>(() => ReadAsync(store, 1000, 500));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
    }

    [Fact]
    public async Task WriteAsync_AnswerWithoutAnyChecksum_IsPermanentNotAcceptedOnSize()
    {
        var fake = new FakeGcs();
        fake.After = call => call.Query["uploadType"] == "multipart"
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(new JsonObject { ["name"] = "k", ["size"] = "3", ["generation"] = "5" }.ToJsonString(), Encoding.UTF8, "application/json") }
            : null;
        await using var store = await FakeGcsStores.OpenAsync(fake);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(new WriteRequest("k", 3), new MemoryStream([1, 2, 3]), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains("no crc32c", error.Message);
    }

    [Fact]
    public async Task OpenAsync_RequesterPays_BillsTheProjectOnEveryApiRequest()
    {
        var fake = new FakeGcs();
        await using var store = await FakeGcsStores.OpenAsync(fake, FakeGcsStores.Small with { RequesterPays = true }, project: "billed-project");

        await store.WriteAsync(new WriteRequest("small", 3), new MemoryStream([1, 2, 3]), CancellationToken.None);
        var big = FakeGcsStores.Bytes(300 * 1024, seed: 6);
        await store.WriteAsync(new WriteRequest("big", big.Length), new MemoryStream(big), CancellationToken.None);
        await ReadAsync(store, 0, null, "small");
        await foreach (var _ in store.ListAsync(null, CancellationToken.None))
        {
        }

        await store.DeleteAsync("small", CancellationToken.None);

        Assert.Equal("billed-project", store.UserProject);
        Assert.All(fake.Calls.Where(c => !c.Uri.AbsolutePath.StartsWith("/upload/session/", StringComparison.Ordinal)), c => Assert.Equal("billed-project", c.Query["userProject"]));
    }

    [Fact]
    public async Task OpenAsync_RequesterPaysWithoutAProject_IsFatal()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => FakeGcsStores.OpenAsync(new FakeGcs(), FakeGcsStores.Small with { RequesterPays = true }, project: null));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Contains("GOOGLE_CLOUD_PROJECT", error.Message);
    }

    [Fact]
    public async Task ListAsync_AsksOnlyForTheFieldsItReads()
    {
        var fake = new FakeGcs();
        fake.Put("a", [1]);
        await using var store = await FakeGcsStores.OpenAsync(fake);

        await foreach (var _ in store.ListAsync(null, CancellationToken.None))
        {
        }

        var list = fake.Calls.Last(c => c.Uri.AbsolutePath.EndsWith("/o", StringComparison.Ordinal) && c.Method == "GET");
        Assert.Equal("items(name,size,generation,md5Hash,crc32c,updated,metadata/mtime),nextPageToken", list.Query["fields"]);
    }

    private static async Task<byte[]> ReadAsync(IObjectStore store, long offset, long? length, string key = "k")
    {
        await using var stream = await store.OpenReadAsync(key, offset, length, CancellationToken.None);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private sealed class ThrottleCounter : IRequestObserver
    {
        private int _throttled;

        public int Throttled => _throttled;

        public void OnRequest(string store, string operation)
        {
        }

        public void OnThrottled(string store) => Interlocked.Increment(ref _throttled);

        public void OnRetry(string store, StoreErrorKind kind)
        {
        }
    }
}
