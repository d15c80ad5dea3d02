using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>One raw JSON-protocol call, for server behaviour the client does not expose. The
/// Authorization header is well formed but not a real signature (the test server checks the form only).</summary>
public static class SqsRawCall
{
    private static readonly HttpClient Http = new();

    /// <summary>Posts <paramref name="body"/> as action <paramref name="action"/>; returns the status, the x-amzn-query-error header and the JSON answer.</summary>
    public static async Task<(HttpStatusCode Status, string? QueryError, JsonNode? Answer)> PostAsync(string endpoint, string action, object body)
    {
        var now = DateTime.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint + "/")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        request.Headers.Add("X-Amz-Date", now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential=AKIDRAW/{now:yyyyMMdd}/us-east-1/sqs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={new string('0', 64)}");
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var queryError = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single() : null;
        return (response.StatusCode, queryError, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
