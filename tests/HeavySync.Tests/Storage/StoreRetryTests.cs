using System.Diagnostics;
using HeavySync.Aws.S3;
using HeavySync.Storage;

namespace HeavySync.Tests.Aws;

public sealed class S3RetryPipelineTests
{
    private static readonly S3StoreOptions Fast = new() { MaxAttempts = 4, RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5) };

    [Theory]
    [InlineData(StoreErrorKind.Transient, 4)]
    [InlineData(StoreErrorKind.Throttled, 4)]
    [InlineData(StoreErrorKind.Permanent, 1)]
    [InlineData(StoreErrorKind.NotFound, 1)]
    [InlineData(StoreErrorKind.Fatal, 1)]
    public async Task ExecuteAsync_RetriesOnlyRetryableKinds_UpToMaxAttempts(StoreErrorKind kind, int expectedCalls)
    {
        var pipeline = S3RetryPipeline.Create(Fast, TimeProvider.System);
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
        var slowBackoff = Fast with { RetryBaseDelay = TimeSpan.FromSeconds(30), RetryMaxDelay = TimeSpan.FromSeconds(30) };
        var pipeline = S3RetryPipeline.Create(slowBackoff, TimeProvider.System);
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
        var pipeline = S3RetryPipeline.Create(Fast with { RetryBaseDelay = TimeSpan.FromSeconds(30), RetryMaxDelay = TimeSpan.FromSeconds(30) }, TimeProvider.System);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(
            _ => throw new StoreException(StoreErrorKind.Transient, "again"),
            cts.Token));
    }
}
