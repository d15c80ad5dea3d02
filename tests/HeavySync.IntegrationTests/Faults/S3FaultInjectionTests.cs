using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;
using HeavySync.Storage;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.Faults;

/// <summary>The S3 store through <see cref="FaultInjectingProxy"/>: retries and resumed reads make
/// every transfer succeed with the right bytes despite injected faults.</summary>
public sealed class S3FaultInjectionTests(S3BucketFixture fixture, ITestOutputHelper output) : IClassFixture<S3BucketFixture>
{
    private const int KiB = 1024;

    private static readonly S3StoreOptions Options = new()
    {
        SinglePutThresholdBytes = 256 * KiB,
        MinPartSizeBytes = 64 * KiB,
        ParallelReadThresholdBytes = 256 * KiB,
        ReadChunkBytes = 64 * KiB,
        MaxAttempts = 8,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task WriteAndRead_FivePercentFaults_AllObjectsRoundTrip()
    {
        // HEAVYSYNC_TEST_FAULT_RATE / _SEED override the defaults to hunt for rarer failures.
        var rate = double.TryParse(Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_FAULT_RATE"), System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 0.05;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_FAULT_SEED"), out var s) ? s : 20261121;
        await using var proxy = FaultInjectingProxy.Start(
            fixture.Server.Endpoint,
            FaultOptions.Uniform(rate, seed) with { SlowResponseDelay = TimeSpan.FromMilliseconds(200) });
        var counts = new CountingObserver();
        var settings = new LocationSettings { Endpoint = proxy.Endpoint, Region = "us-east-1" };
        await using var store = await fixture.OpenAsync(prefix: "faults/", options: Options, observer: counts, settings: settings);

        var objects = Enumerable.Range(0, 500)
            .Select(i => (Key: $"small/{i:D4}", Data: TestData.Bytes(i * 97 % (48 * KiB), i)))
            .Concat(Enumerable.Range(0, 4).Select(i => (Key: $"multi/{i}", Data: TestData.Bytes((640 * KiB) + (i * 1000), 1000 + i))))
            .ToList();
        var mtime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, token) =>
        {
            var written = await store.WriteAsync(
                new WriteRequest(item.Key, item.Data.Length) { LastModified = mtime, Md5 = TestData.Md5Hex(item.Data) },
                new MemoryStream(item.Data),
                token);
            Assert.Equal(item.Data.Length, written.Size);
        });
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, token) =>
        {
            await using var read = await store.OpenReadAsync(item.Key, 0, null, token);
            Assert.Equal(item.Data, await TestData.ReadAllAsync(read));
        });

        var listed = new List<ObjectEntry>();
        await foreach (var entry in store.ListAsync(null, default))
        {
            listed.Add(entry);
        }

        output.WriteLine(proxy.Describe());
        output.WriteLine($"throttled answers seen by the store: {counts.Throttled}");
        Assert.Equal(objects.Select(o => o.Key).Order(StringComparer.Ordinal), listed.Select(e => e.Key));
        Assert.True(proxy.TotalInjected > 0, proxy.Describe());
        Assert.True(proxy.Injected(FaultKind.SlowDown) > 0 && counts.Throttled > 0, proxy.Describe());
        Assert.True(proxy.Injected(FaultKind.ResetBeforeResponse) > 0, proxy.Describe());
    }

    [Fact]
    public async Task ReadsAndListings_StalledBodies_AreCutOffAndFetchedAgain()
    {
        await using var proxy = FaultInjectingProxy.Start(
            fixture.Server.Endpoint,
            new FaultOptions { Seed = 7, Rates = new Dictionary<FaultKind, double> { [FaultKind.StalledBody] = 0.25 } });
        proxy.FaultsEnabled = false;
        var settings = new LocationSettings { Endpoint = proxy.Endpoint, Region = "us-east-1" };
        var options = Options with { BodyReadTimeout = TimeSpan.FromMilliseconds(250), RequestTimeout = TimeSpan.FromMilliseconds(500), ListPageSize = 4 };
        await using var store = await fixture.OpenAsync(prefix: "stalls/", options: options, settings: settings);
        var objects = Enumerable.Range(0, 12).Select(i => (Key: $"s{i}", Data: TestData.Bytes(i == 0 ? 640 * KiB : 100 * KiB, 300 + i))).ToList();
        foreach (var (key, data) in objects)
        {
            await store.WriteAsync(new WriteRequest(key, data.Length), new MemoryStream(data), default);
        }

        proxy.FaultsEnabled = true;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, token) =>
        {
            await using var read = await store.OpenReadAsync(item.Key, 0, null, token);
            Assert.Equal(item.Data, await TestData.ReadAllAsync(read));
        });
        output.WriteLine($"reads done after {clock.Elapsed}");

        // List until a listing page has stalled at least once (the draw is random; bounded passes).
        var stallsBeforeListing = proxy.Injected(FaultKind.StalledBody);
        for (var pass = 0; pass < 10 && proxy.Injected(FaultKind.StalledBody) == stallsBeforeListing; pass++)
        {
            Assert.Equal(objects.Count, await store.ListAsync(null, default).CountAsync());
        }

        output.WriteLine($"listings done after {clock.Elapsed}");
        Assert.True(proxy.Injected(FaultKind.StalledBody) > stallsBeforeListing, "no listing page stalled");

        output.WriteLine(proxy.Describe());
        Assert.True(proxy.Injected(FaultKind.StalledBody) > 0, proxy.Describe());
    }

    [Fact]
    public async Task Proxy_WithoutFaults_ForwardsUntouched()
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, FaultOptions.None);
        var settings = new LocationSettings { Endpoint = proxy.Endpoint, Region = "us-east-1" };
        await using var store = await fixture.OpenAsync(prefix: "plain/", options: Options, settings: settings);
        var data = TestData.Bytes(700 * KiB, 7);

        await store.WriteAsync(new WriteRequest("x", data.Length), new MemoryStream(data), default);
        await using var read = await store.OpenReadAsync("x", 0, null, default);

        Assert.Equal(data, await TestData.ReadAllAsync(read));
        Assert.Equal(0, proxy.TotalInjected);
        Assert.True(proxy.Requests > 0);
        await using var direct = await fixture.OpenAsync(prefix: "plain/");
        Assert.False(direct.CanCopyFrom(store)); // another endpoint, even to the same server

    }
}
