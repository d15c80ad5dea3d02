using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Apis.Auth.OAuth2.Responses;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// The one place GCS failures become <see cref="StoreErrorKind"/>s (DESIGN.md §6), by HTTP status
/// and the JSON error's reason, never by message text: 404 NotFound; 408, 429 and 5xx retryable
/// (429 and the rate-limit reasons Throttled); 401/403 Permanent (the store makes them Fatal when
/// they concern the bucket itself); 412 PreconditionFailed; anything else Permanent. Caller
/// cancellation is never mapped.
/// </summary>
public static class GcsErrorMapper
{
    /// <summary>Reasons GCS gives when it wants fewer requests.</summary>
    private static readonly HashSet<string> ThrottleReasons = new(StringComparer.Ordinal)
    {
        "rateLimitExceeded", "userRateLimitExceeded", "backendRateLimitExceeded", "tooManyRequests",
    };

    /// <summary>Classifies an HTTP answer that is not a success.</summary>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The first <c>errors[].reason</c> of the JSON error document, when there was one.</param>
    /// <param name="what">Short description for the message ("GET gs://b/k"); no secrets.</param>
    /// <param name="retryAfter">The Retry-After header, when present.</param>
    public static StoreException MapStatus(HttpStatusCode status, string? reason, string what, RetryConditionHeaderValue? retryAfter = null)
    {
        var code = (int)status;
        var kind = code switch
        {
            404 or 410 => StoreErrorKind.NotFound,
            412 => StoreErrorKind.PreconditionFailed,
            429 => StoreErrorKind.Throttled,
            408 => StoreErrorKind.Transient,
            >= 500 and <= 599 => StoreErrorKind.Transient,
            _ => StoreErrorKind.Permanent,
        };
        if (kind is StoreErrorKind.Transient or StoreErrorKind.Permanent && reason is not null && ThrottleReasons.Contains(reason))
        {
            kind = StoreErrorKind.Throttled;
        }

        var label = reason is null ? $"HTTP {code}" : $"HTTP {code} {reason}";
        var delay = kind is StoreErrorKind.Transient or StoreErrorKind.Throttled ? Delay(retryAfter) : null;
        return new StoreException(kind, $"{what}: {label}", new GcsHttpException(status, reason), delay);
    }

    /// <summary>
    /// Classifies an exception thrown while sending or reading. Returns null when it must pass
    /// through unchanged: caller cancellation and exceptions that already are <see cref="StoreException"/>s.
    /// </summary>
    public static StoreException? MapException(Exception error, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is StoreException || (error is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        return error switch
        {
            // The token endpoint refused the credentials (revoked key, wrong audience): nothing will work.
            TokenResponseException => new StoreException(StoreErrorKind.Fatal, $"{what}: Google refused the credentials ({((TokenResponseException)error).Error?.Error ?? "token error"})", error),
            OperationCanceledException => new StoreException(StoreErrorKind.Transient, $"{what}: timed out", error),
            _ when IsNetwork(error) => new StoreException(StoreErrorKind.Transient, $"{what}: connection failed ({error.GetType().Name})", error),
            System.Text.Json.JsonException => new StoreException(StoreErrorKind.Transient, $"{what}: unreadable answer", error),
            _ => new StoreException(StoreErrorKind.Permanent, $"{what}: unexpected {error.GetType().Name}", error),
        };
    }

    private static bool IsNetwork(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is IOException or HttpRequestException or SocketException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static TimeSpan? Delay(RetryConditionHeaderValue? retryAfter)
    {
        var delay = retryAfter?.Delta ?? (retryAfter?.Date is { } at ? at - DateTimeOffset.UtcNow : null);
        return delay is null ? null : delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : delay;
    }
}
