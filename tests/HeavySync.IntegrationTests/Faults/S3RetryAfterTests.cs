using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;
using HeavySync.Storage;
using HeavySync.Tests.Time;

namespace HeavySync.IntegrationTests.Faults;

/// <summary>
/// A 503 SlowDown carrying Retry-After, through <see cref="FaultInjectingProxy"/> in front of
/// radosgw: the real S3 store reads the header (S3ErrorMapper) and its retry waits exactly that
/// long. The store's clock is a manual one, so "waits" is read off the pending delay, not timed.
/// </summary>
public sealed class S3RetryAfterTests(S3BucketFixture fixture) : IClassFixture<S3BucketFixture>
{
    /// <summary>Backoff alone would wait at most 50 ms: a longer wait can only come from the header.</summary>
    private static readonly S3StoreOptions Options = new()
    {
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData("42", 42.0)]
    public async Task WriteAsync_SlowDownWithRetryAfter_RetryWaitsTheAskedDelayThenSucceeds(string header, double expectedSeconds)
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, new FaultOptions { RetryAfter = header });
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var counts = new CountingObserver();
        await using var store = await OpenThroughAsync(proxy, Options, counts, clock);
        var data = TestData.Bytes(10_000, 3);
        proxy.InjectNext(FaultKind.SlowDown);

        var write = store.WriteAsync(new WriteRequest("throttled.bin", data.Length) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream(data), default);
        var waiting = await PendingDelayAsync(clock, write);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), waiting);
        Assert.Equal(1, counts.Throttled);
        Assert.Single(proxy.Seen, r => r.Method == "PUT");

        clock.Advance(waiting);
        var written = await write;

        Assert.Equal(data.Length, written.Size);
        Assert.Equal(2, proxy.Seen.Count(r => r.Method == "PUT"));
        await using var read = await store.OpenReadAsync("throttled.bin", 0, null, default);
        Assert.Equal(data, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task WriteAsync_SlowDownWithoutRetryAfter_BacksOffOnItsOwnScale()
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, FaultOptions.None);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var store = await OpenThroughAsync(proxy, Options, new CountingObserver(), clock);
        proxy.InjectNext(FaultKind.SlowDown);

        var write = store.WriteAsync(new WriteRequest("plain.bin", 3), new MemoryStream([1, 2, 3]), default);
        var waiting = await PendingDelayAsync(clock, write);

        Assert.InRange(waiting, TimeSpan.Zero, Options.RetryMaxDelay);
        clock.Advance(waiting);
        Assert.Equal(3, (await write).Size);
    }

    [Fact]
    public async Task WriteAsync_SlowDownWithRetryAfterOnLastAttempt_ErrorCarriesTheDelay()
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, new FaultOptions { RetryAfter = "9" });
        await using var store = await OpenThroughAsync(proxy, Options with { MaxAttempts = 1 }, new CountingObserver(), TimeProvider.System);
        proxy.InjectNext(FaultKind.SlowDown);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(new WriteRequest("once.bin", 1), new MemoryStream([9]), default));

        Assert.Equal(StoreErrorKind.Throttled, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(9), error.RetryAfter);
    }

    private Task<S3ObjectStore> OpenThroughAsync(FaultInjectingProxy proxy, S3StoreOptions options, CountingObserver counts, TimeProvider clock) =>
        fixture.OpenAsync(
            options: options,
            observer: counts,
            settings: new LocationSettings { Endpoint = proxy.Endpoint, Region = "us-east-1" },
            timeProvider: clock);

    /// <summary>Waits (bounded) until the store sleeps on the manual clock before a retry; returns how long it sleeps.</summary>
    private static async Task<TimeSpan> PendingDelayAsync(ManualTimeProvider clock, Task work)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (clock.UntilNextTimer is null)
        {
            Assert.False(work.IsCompleted, $"the write ended without waiting for a retry: {work.Status} {work.Exception?.GetBaseException().Message}");
            await Task.Delay(10, bound.Token);
        }

        return clock.UntilNextTimer.Value;
    }
}
