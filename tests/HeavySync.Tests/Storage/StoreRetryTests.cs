using System.Diagnostics;
using HeavySync.Storage;

namespace HeavySync.Tests.Storage;

public sealed class StoreRetryTests
{
    private static readonly StoreRetryOptions Fast = new(4, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5));

    [Theory]
    [InlineData(StoreErrorKind.Transient, 4)]
    [InlineData(StoreErrorKind.Throttled, 4)]
    [InlineData(StoreErrorKind.Permanent, 1)]
    [InlineData(StoreErrorKind.NotFound, 1)]
    [InlineData(StoreErrorKind.Fatal, 1)]
    public async Task ExecuteAsync_RetriesOnlyRetryableKinds_UpToMaxAttempts(StoreErrorKind kind, int expectedCalls)
    {
        var pipeline = StoreRetry.Create(Fast, TimeProvider.System);
        var calls = 0;

        var error = await Assert.ThrowsAsync<StoreException>(async () => await pipeline.ExecuteAsync(
            _ =>
            {
                calls++;
                throw new StoreException(kind, "boom");
            },
            CancellationToken.None));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(expectedCalls, calls);
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfter_ReplacesTheBackoff()
    {
        var slowBackoff = Fast with { BaseDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30) };
        var pipeline = StoreRetry.Create(slowBackoff, TimeProvider.System);
        var calls = 0;
        var clock = Stopwatch.StartNew();

        var result = await pipeline.ExecuteAsync(
            _ => ++calls < 3
                ? throw new StoreException(StoreErrorKind.Throttled, "slow down", retryAfter: TimeSpan.FromMilliseconds(10))
                : ValueTask.FromResult(calls),
            CancellationToken.None);

        Assert.Equal(3, result);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}: Retry-After was not honoured");
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancellation_StopsRetrying()
    {
        var pipeline = StoreRetry.Create(Fast with { BaseDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30) }, TimeProvider.System);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(
            _ => throw new StoreException(StoreErrorKind.Transient, "again"),
            cts.Token));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task ExecuteAsync_OneAttemptOrFewer_RunsOnceWithoutRetry(int maxAttempts)
    {
        var pipeline = StoreRetry.Create(Fast with { MaxAttempts = maxAttempts }, TimeProvider.System);
        var calls = 0;

        await Assert.ThrowsAsync<StoreException>(async () => await pipeline.ExecuteAsync(
            _ =>
            {
                calls++;
                throw new StoreException(StoreErrorKind.Transient, "boom");
            },
            CancellationToken.None));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ExecuteAsync_OnRetry_SeesEachRetriedFailureButNotTheLast()
    {
        var seen = new List<StoreErrorKind>();
        var pipeline = StoreRetry.Create(Fast with { OnRetry = failure => seen.Add(failure.Kind) }, TimeProvider.System);
        var calls = 0;

        await Assert.ThrowsAsync<StoreException>(async () => await pipeline.ExecuteAsync(
            _ => throw new StoreException(++calls % 2 == 0 ? StoreErrorKind.Throttled : StoreErrorKind.Transient, "again"),
            CancellationToken.None));

        Assert.Equal(4, calls);
        Assert.Equal([StoreErrorKind.Transient, StoreErrorKind.Throttled, StoreErrorKind.Transient], seen);
    }
}
