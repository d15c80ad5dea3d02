using System.Text.Json;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// Reads an error answer of the JSON protocol: the query-compatible code and fault side from
/// <c>x-amzn-query-error: CODE;Sender</c>, the shape name from the body's <c>__type</c>
/// (<c>com.amazonaws.sqs#QueueDoesNotExist</c>) and the message from <c>message</c> / <c>Message</c>.
/// </summary>
internal static class SqsErrorParser
{
    public static SqsServiceException Parse(HttpResponseMessage response, byte[] body)
    {
        string? queryCode = null;
        var senderFault = (int)response.StatusCode is >= 400 and < 500;
        if (response.Headers.TryGetValues("x-amzn-query-error", out var values) && values.FirstOrDefault() is { Length: > 0 } header)
        {
            var parts = header.Split(';', 2);
            queryCode = parts[0].Trim();
            if (parts.Length == 2)
            {
                senderFault = parts[1].Trim().Equals("Sender", StringComparison.OrdinalIgnoreCase);
            }
        }

        string? type = null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == "__type" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        type = ShapeName(property.Value.GetString()!);
                    }
                    else if (property.Name is "message" or "Message" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        message = OneLine(property.Value.GetString()!);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A proxy or load balancer answered with HTML or nothing: the status decides.
        }

        if (type is null && response.Headers.TryGetValues("x-amzn-ErrorType", out var errorType))
        {
            type = ShapeName(errorType.First());
        }

        var code = queryCode ?? type ?? $"HTTP{(int)response.StatusCode}";
        return new SqsServiceException(code, type, response.StatusCode, message, senderFault);
    }

    /// <summary>"aws.protocoltests#FooError:http://..." → "FooError", as the JSON protocols define.</summary>
    private static string ShapeName(string raw)
    {
        var name = raw;
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            name = name[..colon];
        }

        var hash = name.LastIndexOf('#');
        return hash >= 0 ? name[(hash + 1)..] : name;
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 200 ? line[..200] : line;
    }
}
