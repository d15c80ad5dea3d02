using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HeavySync.Storage;

namespace HeavySync.Google.PubSub;

/// <summary>
/// The one place Pub/Sub failures become <see cref="StoreErrorKind"/>s: by HTTP status and the
/// canonical gRPC status name in Google's error body, never by message text. Queue failures reach
/// the engine as <see cref="StoreException"/>s: the copier stops its role on any queue failure,
/// and the CLI prints a <see cref="StoreException"/> as one line with exit code 4.
/// </summary>
internal static class PubSubErrorMapper
{
    /// <summary>Classifies an error answer. <paramref name="what"/> names the request ("pull projects/p/subscriptions/s").</summary>
    public static StoreException FromResponse(HttpStatusCode status, string? body, TimeSpan? retryAfter, string what)
    {
        var (code, message) = ParseError(body);
        var kind = Classify(status, code);
        var detail = message is { Length: > 0 } ? ": " + OneLine(message) : string.Empty;
        var label = code ?? "HTTP";
        return new StoreException(kind, $"pubsub {what}: {label} ({(int)status}){detail}", null, kind is StoreErrorKind.Transient or StoreErrorKind.Throttled ? retryAfter : null);
    }

    /// <summary>
    /// Classifies a transport failure; null when it must pass through unchanged (the caller's
    /// cancellation, or already a <see cref="StoreException"/>).
    /// </summary>
    public static StoreException? FromException(Exception error, string what, CancellationToken cancellationToken)
    {
        if (error is StoreException || (error is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        return error switch
        {
            OperationCanceledException => new StoreException(StoreErrorKind.Transient, $"pubsub {what}: timed out", error),
            HttpRequestException or IOException or SocketException => new StoreException(StoreErrorKind.Transient, $"pubsub {what}: connection failed ({error.GetType().Name})", error),
            JsonException => new StoreException(StoreErrorKind.Transient, $"pubsub {what}: unreadable answer", error),
            _ => null,
        };
    }

    /// <summary>Status first; the gRPC status name refines the 4xx/5xx families.</summary>
    internal static StoreErrorKind Classify(HttpStatusCode status, string? code) => code switch
    {
        "RESOURCE_EXHAUSTED" => StoreErrorKind.Throttled,
        "UNAVAILABLE" or "DEADLINE_EXCEEDED" or "ABORTED" or "INTERNAL" or "UNKNOWN" => StoreErrorKind.Transient,
        "NOT_FOUND" or "PERMISSION_DENIED" or "UNAUTHENTICATED" => StoreErrorKind.Fatal,
        _ => (int)status switch
        {
            429 => StoreErrorKind.Throttled,
            408 or >= 500 => StoreErrorKind.Transient,
            401 or 403 or 404 => StoreErrorKind.Fatal,
            _ => StoreErrorKind.Permanent,
        },
    };

    /// <summary>Reads <c>{"error": {"status": "...", "message": "..."}}</c>; nulls when the body is not that.</summary>
    private static (string? Code, string? Message) ParseError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                var code = error.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return (code, message);
            }
        }
        catch (JsonException)
        {
            // Not Google's error shape (a proxy's page, plain text): the status alone decides.
        }

        return (null, body.Length <= 200 ? body : null);
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "...";
    }
}
