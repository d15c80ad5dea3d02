using System.Net;

namespace HeavySync.Google.Storage;

/// <summary>An HTTP error answer of the JSON API: the inner exception of the <see cref="HeavySync.Storage.StoreException"/>
/// it was classified into, so callers can look at the status without parsing messages.</summary>
public sealed class GcsHttpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GcsHttpException(HttpStatusCode status, string? reason)
        : base(reason is null ? $"HTTP {(int)status}" : $"HTTP {(int)status} {reason}")
    {
        Status = status;
        Reason = reason;
    }

    /// <summary>The answer's status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The first <c>errors[].reason</c> of the error document, when there was one.</summary>
    public string? Reason { get; }
}
