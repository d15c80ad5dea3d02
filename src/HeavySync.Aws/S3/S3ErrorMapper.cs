using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

/// <summary>
/// The one place S3 failures become <see cref="StoreErrorKind"/>s (DESIGN.md §6): by service error
/// code first, then HTTP status, then exception type; never by message text. Cancellation requested
/// by the caller is never mapped.
/// </summary>
public static class S3ErrorMapper
{
    /// <summary>Service error codes that mean nothing will work for this location.</summary>
    private static readonly HashSet<string> FatalCodes = new(StringComparer.Ordinal)
    {
        "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
        "TokenRefreshRequired", "AccountProblem", "AllAccessDisabled", "InvalidBucketName",
    };

    /// <summary>Service error codes that ask us to slow down.</summary>
    private static readonly HashSet<string> ThrottleCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests", "RequestThrottled",
    };

    /// <summary>Service error codes worth retrying whatever their status.</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed", "OperationAborted",
        "IncompleteBody", "BadDigest",
    };

    /// <summary>
    /// Classifies <paramref name="error"/>. Returns null when it must pass through unchanged: caller
    /// cancellation and exceptions that already are <see cref="StoreException"/>s.
    /// </summary>
    /// <param name="error">What the SDK or the network threw.</param>
    /// <param name="what">Short description for the message ("GET s3://b/k"); no secrets.</param>
    /// <param name="cancellationToken">The caller's token: when it is cancelled nothing is mapped.</param>
    public static StoreException? Map(Exception error, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is StoreException || (error is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        return error switch
        {
            AmazonServiceException service => MapService(service, what),
            OperationCanceledException => new StoreException(StoreErrorKind.Transient, $"{what}: timed out", error),
            _ when IsNetwork(error) => new StoreException(StoreErrorKind.Transient, $"{what}: connection failed ({error.GetType().Name})", error),
            AmazonClientException => new StoreException(StoreErrorKind.Transient, $"{what}: client error ({error.GetType().Name})", error),
            _ => new StoreException(StoreErrorKind.Permanent, $"{what}: unexpected {error.GetType().Name}", error),
        };
    }

    /// <summary>Classifies a per-key error code of a DeleteObjects answer.</summary>
    public static StoreException MapCode(string? code, string what)
    {
        var kind = Classify(code, HttpStatusCode.OK);
        return new StoreException(kind == StoreErrorKind.NotFound ? StoreErrorKind.Permanent : kind, $"{what}: {code ?? "error"}");
    }

    private static StoreException MapService(AmazonServiceException error, string what)
    {
        var code = string.IsNullOrEmpty(error.ErrorCode) ? null : error.ErrorCode;
        var kind = Classify(code, error.StatusCode);
        if (IsNetwork(error))
        {
            kind = StoreErrorKind.Transient;
        }

        var label = code ?? $"HTTP {(int)error.StatusCode}";
        var retryAfter = kind is StoreErrorKind.Throttled or StoreErrorKind.Transient ? RetryAfter(error) : null;
        return new StoreException(kind, $"{what}: {label}", error, retryAfter);
    }

    private static StoreErrorKind Classify(string? code, HttpStatusCode status)
    {
        if (code is not null)
        {
            if (FatalCodes.Contains(code))
            {
                return StoreErrorKind.Fatal;
            }

            if (ThrottleCodes.Contains(code))
            {
                return StoreErrorKind.Throttled;
            }

            if (TransientCodes.Contains(code))
            {
                return StoreErrorKind.Transient;
            }

            // PreconditionFailed: our only preconditions pin the listed version (If-Match on reads
            // and copies), so the object changed since listing: the version we wanted is gone.
            if (code is "NoSuchKey" or "NoSuchVersion" or "NoSuchUpload" or "PreconditionFailed")
            {
                return StoreErrorKind.NotFound;
            }

            if (code is "AccessDenied")
            {
                return StoreErrorKind.Permanent;
            }
        }

        return (int)status switch
        {
            404 or 412 => StoreErrorKind.NotFound,
            429 => StoreErrorKind.Throttled,
            408 or 500 or 502 or 503 or 504 => StoreErrorKind.Transient,
            0 => StoreErrorKind.Transient,
            _ => StoreErrorKind.Permanent,
        };
    }

    /// <summary>True for failures of the connection itself: resets, refused connections, bodies that
    /// ended before their declared length.</summary>
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

    private static TimeSpan? RetryAfter(AmazonServiceException error) =>
        error.InnerException is HttpErrorResponseException { Response: { } response }
            ? ParseRetryAfter(response.GetHeaderValue("Retry-After"), DateTimeOffset.UtcNow)
            : null;

    /// <summary>
    /// A Retry-After header value as a delay: delay-seconds or an HTTP-date (RFC 9110 §10.2.3),
    /// at most 5 minutes (a server asking for more gets the rest from the message-level retry); null
    /// when absent or unreadable, so the backoff decides.
    /// </summary>
    /// <param name="value">The header's value.</param>
    /// <param name="now">The current time, for an HTTP-date.</param>
    internal static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Clamp(TimeSpan.FromSeconds(Math.Min(seconds, 300)));
        }

        return DateTimeOffset.TryParseExact(value, HttpDateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowInnerWhite, out var at)
            ? Clamp(at - now)
            : null;
    }

    /// <summary>IMF-fixdate (what servers send), then the obsolete RFC 850 and asctime forms recipients should accept.</summary>
    private static readonly string[] HttpDateFormats = ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy"];

    private static TimeSpan Clamp(TimeSpan delay) =>
        delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : delay;
}
