using Polly;
using Polly.Retry;

namespace HeavySync.Storage;

/// <summary>
/// The per-request retry layer shared by the stores and the queue clients: exponential backoff with
/// jitter over retryable <see cref="StoreException"/>s (<see cref="StoreException.IsRetryable"/>),
/// a server's Retry-After replacing the backoff, at most <see cref="StoreRetryOptions.MaxAttempts"/> tries.
/// </summary>
public static class StoreRetry
{
    /// <summary>Builds the pipeline. The last failure, or the caller's cancellation, ends it unchanged.</summary>
    public static ResiliencePipeline Create(StoreRetryOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxAttempts <= 1)
        {
            // Polly refuses zero retries; an empty pipeline runs the request once.
            return builder.Build();
        }

        var onRetry = options.OnRetry;
        return builder
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<StoreException>(e => e.IsRetryable),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                DelayGenerator = static args =>
                    ValueTask.FromResult(args.Outcome.Exception is StoreException { RetryAfter: { } after } ? after : (TimeSpan?)null),
                OnRetry = args =>
                {
                    if (onRetry is not null && args.Outcome.Exception is StoreException failure)
                    {
                        onRetry(failure);
                    }

                    return default;
                },
            })
            .Build();
    }
}
