namespace HeavySync.Storage;

/// <summary>
/// The only exception a store lets escape (besides <see cref="OperationCanceledException"/>).
/// The message is one line, safe to show a user: it never holds secrets or object contents.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException(StoreErrorKind kind, string message, Exception? inner = null, TimeSpan? retryAfter = null)
        : base(message, inner)
    {
        Kind = kind;
        RetryAfter = retryAfter;
    }

    /// <summary>How to react.</summary>
    public StoreErrorKind Kind { get; }

    /// <summary>Server-suggested delay before retrying, when it gave one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True for kinds worth retrying in-process.</summary>
    public bool IsRetryable => Kind is StoreErrorKind.Transient or StoreErrorKind.Throttled;
}
