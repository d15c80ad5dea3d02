namespace HeavySync.Storage;

/// <summary>
/// Receives one call per request a store sends (the cost of a run) and one per throttling answer,
/// so the engine can count requests by operation and lower its concurrency. Implementations must be
/// thread-safe and cheap: stores call them on hot paths.
/// </summary>
public interface IRequestObserver
{
    /// <summary>A request was sent. <paramref name="operation"/> is one of <see cref="RequestOperations"/>.</summary>
    void OnRequest(string store, string operation);

    /// <summary>The store answered "slow down" (S3 SlowDown, HTTP 429/503 throttling).</summary>
    void OnThrottled(string store);

    /// <summary>A failed request of <paramref name="store"/> is being retried after a failure of <paramref name="kind"/>
    /// (the per-request retry layer). Ignored unless implemented.</summary>
    void OnRetry(string store, StoreErrorKind kind)
    {
    }
}
