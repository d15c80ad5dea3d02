using HeavySync.Storage;
using Polly;
using Polly.Retry;

namespace HeavySync.Google.Storage;

/// <summary>The per-request retry layer: bounded exponential backoff with jitter for transient and
/// throttled <see cref="StoreException"/>s, honouring the server's Retry-After.</summary>
internal static class GcsRetryPipeline
{
    public static ResiliencePipeline Create(GcsStoreOptions options, TimeProvider timeProvider) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<StoreException>(e => e.IsRetryable),
                MaxRetryAttempts = Math.Max(0, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                DelayGenerator = static args =>
                    ValueTask.FromResult(args.Outcome.Exception is StoreException { RetryAfter: { } after } ? after : (TimeSpan?)null),
            })
            .Build();
}
