using System.Net;
using System.Net.Sockets;
using HeavySync.Storage;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// The one place SQS failures become <see cref="StoreErrorKind"/>s (DESIGN.md §6): by error code
/// (both the query-compatible code and the JSON shape name), then HTTP status, then exception type;
/// never by message text. Caller cancellation is never mapped.
/// </summary>
public static class SqsErrorMapper
{
    /// <summary>Codes that mean nothing will work against this queue: it is missing, or we may not use it.</summary>
    private static readonly HashSet<string> FatalCodes = new(StringComparer.Ordinal)
    {
        "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "QueueDeletedRecently",
        "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "IncompleteSignature", "MissingAuthenticationToken", "InvalidSecurity", "ExpiredToken",
        "InvalidAddress", "OptInRequired", "KmsAccessDenied", "KmsDisabled", "KmsNotFound",
    };

    /// <summary>Codes that ask us to slow down.</summary>
    private static readonly HashSet<string> ThrottleCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "RequestThrottled", "Throttling", "KmsThrottled", "OverLimit",
        "AWS.SimpleQueueService.RequestThrottled",
    };

    /// <summary>Codes worth retrying whatever their status.</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "InternalError", "InternalFailure", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed",
        "AWS.SimpleQueueService.PurgeQueueInProgress",
    };

    /// <summary>Classifies a service error answer.</summary>
    /// <param name="error">The parsed error.</param>
    /// <param name="what">Short description for the message ("SQS SendMessageBatch queue-name"); no secrets.</param>
    /// <param name="retryAfter">The Retry-After the server sent, if any.</param>
    public static StoreException MapService(SqsServiceException error, string what, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var kind = Classify(error.Code, error.Type, error.Status);
        var cause = kind == StoreErrorKind.Fatal ? FatalCause(error) : error.Code;
        return new StoreException(kind, $"{what}: {cause}", error, kind is StoreErrorKind.Throttled or StoreErrorKind.Transient ? retryAfter : null);
    }

    /// <summary>
    /// Classifies what the HTTP stack threw. Returns null when it must pass through unchanged: caller
    /// cancellation and exceptions that already are <see cref="StoreException"/>s.
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
            SqsServiceException service => MapService(service, what),
            OperationCanceledException => new StoreException(StoreErrorKind.Transient, $"{what}: timed out", error),
            _ when IsNetwork(error) => new StoreException(StoreErrorKind.Transient, $"{what}: connection failed ({error.GetType().Name})", error),
            _ => new StoreException(StoreErrorKind.Permanent, $"{what}: unexpected {error.GetType().Name}", error),
        };
    }

    /// <summary>The kind of an error code (used for batch entries too).</summary>
    public static StoreErrorKind Classify(string? code, string? type, HttpStatusCode status)
    {
        foreach (var name in new[] { code, type })
        {
            if (name is null)
            {
                continue;
            }

            if (FatalCodes.Contains(name))
            {
                return StoreErrorKind.Fatal;
            }

            if (ThrottleCodes.Contains(name))
            {
                return StoreErrorKind.Throttled;
            }

            if (TransientCodes.Contains(name))
            {
                return StoreErrorKind.Transient;
            }
        }

        return (int)status switch
        {
            429 => StoreErrorKind.Throttled,
            401 or 403 => StoreErrorKind.Fatal,
            404 => StoreErrorKind.Fatal,
            >= 500 or 408 or 0 => StoreErrorKind.Transient,
            _ => StoreErrorKind.Permanent,
        };
    }

    private static string FatalCause(SqsServiceException error) => error.Code switch
    {
        "AWS.SimpleQueueService.NonExistentQueue" or "QueueDoesNotExist" => "the queue does not exist (" + error.Code + ")",
        "AccessDenied" or "AccessDeniedException" => "access denied (" + error.Code + "): the credentials may not use this queue",
        "InvalidClientTokenId" or "SignatureDoesNotMatch" or "IncompleteSignature" or "MissingAuthenticationToken" or "ExpiredToken" or "InvalidSecurity"
            => "the credentials were rejected (" + error.Code + ")",
        _ => error.Code,
    };

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
}
