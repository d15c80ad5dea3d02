namespace HeavySync.Storage;

/// <summary>How <see cref="StoreRetry"/> retries one request; each caller keeps its own defaults.</summary>
/// <param name="MaxAttempts">Tries in all, the first included; 1 or less means no retry.</param>
/// <param name="BaseDelay">The first backoff delay, doubled (with jitter) after each failure.</param>
/// <param name="MaxDelay">The longest backoff delay.</param>
public sealed record StoreRetryOptions(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>Called with each failure about to be retried (telemetry); none by default.</summary>
    public Action<StoreException>? OnRetry { get; init; }
}
