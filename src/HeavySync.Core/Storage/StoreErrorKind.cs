namespace HeavySync.Storage;

/// <summary>How the engine must react to a store failure (DESIGN.md §6).</summary>
public enum StoreErrorKind
{
    /// <summary>The object is gone (vanished since listing): skip it, not an error.</summary>
    NotFound,
    /// <summary>5xx, timeouts, resets: back off with jitter and retry.</summary>
    Transient,
    /// <summary>The store asks us to slow down: retry and also shrink concurrency.</summary>
    Throttled,
    /// <summary>This object cannot be processed (403, 400, unreadable file): fail the task, keep going.</summary>
    Permanent,
    /// <summary>Nothing can work (bucket missing, bad credentials): stop with a one-line cause.</summary>
    Fatal,
    /// <summary>A precondition the store was asked to check failed (GCS 412: the object's generation is
    /// no longer the one listed or read): the object changed meanwhile; re-stat and try again.</summary>
    PreconditionFailed,
}
