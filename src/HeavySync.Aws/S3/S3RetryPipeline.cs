using HeavySync.Storage;
using Polly;
using Polly.Retry;

namespace HeavySync.Aws.S3;

/// <summary>The per-request retry layer: exponential backoff with jitter for transient and
/// throttled <see cref="StoreException"/>s, honouring the server's Retry-After.</summary>
internal static class S3RetryPipeline
{
    /// <summary>The pipeline; each retry is reported to <paramref name="observer"/> as a retry of <paramref name="store"/>.</summary>
    public static ResiliencePipeline Create(S3StoreOptions options, TimeProvider timeProvider, IRequestObserver? observer = null, string store = "s3") =>
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
                OnRetry = args =>
                {
                    if (observer is not null && args.Outcome.Exception is StoreException failure)
                    {
                        observer.OnRetry(store, failure.Kind);
                    }

                    return default;
                },
            })
            .Build();
}
