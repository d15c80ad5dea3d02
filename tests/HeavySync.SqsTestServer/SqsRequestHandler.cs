using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace HeavySync.SqsTestServer;

/// <summary>
/// The one endpoint: checks the SigV4 Authorization header is present and well formed (signatures
/// are not verified), dispatches on X-Amz-Target, and writes answers and errors in the JSON
/// protocol's shapes.
/// </summary>
internal sealed partial class SqsRequestHandler(QueueStore store, SqsFaultInjection faults, ConcurrentDictionary<string, long> counts)
{
    private const string JsonContentType = "application/x-amz-json-1.0";
    private const string TargetPrefix = "AmazonSQS.";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly SqsActions _actions = new(store, faults);

    public async Task HandleAsync(HttpContext context)
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var action = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : string.Empty;
        counts.AddOrUpdate(action.Length > 0 ? action : "(none)", 1, (_, n) => n + 1);
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        try
        {
            CheckAuthorization(context.Request);
            if (faults.TakeRequestFault(action) is { } fault)
            {
                throw fault == InjectedFault.Throttle
                    ? new SqsError(400, "ThrottlingException", "RequestThrottled", "Rate exceeded (injected by the test)")
                    : new SqsError(500, "InternalError", "InternalError", "We encountered an internal error (injected by the test).", senderFault: false);
            }

            RequestBody body;
            try
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                body = new RequestBody(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                throw new SqsError(400, "SerializationException", "SerializationException", "The request body is not valid JSON.");
            }

            var answer = await _actions.InvokeAsync(action, body, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = 200;
            context.Response.ContentType = JsonContentType;
            await context.Response.WriteAsync(JsonSerializer.Serialize(answer, Json), context.RequestAborted).ConfigureAwait(false);
        }
        catch (SqsError error)
        {
            context.Response.StatusCode = error.Status;
            context.Response.ContentType = JsonContentType;
            context.Response.Headers["x-amzn-query-error"] = $"{error.QueryCode};{(error.SenderFault ? "Sender" : "Receiver")}";
            var payload = new Dictionary<string, string> { ["__type"] = "com.amazonaws.sqs#" + error.Shape, ["message"] = error.Message };
            await context.Response.WriteAsync(JsonSerializer.Serialize(payload, Json), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away during a long poll: nothing to answer.
        }
    }

    /// <summary>
    /// SigV4 in the Authorization header: algorithm, a Credential of the form KEY/DATE/REGION/sqs/aws4_request,
    /// SignedHeaders naming at least host and x-amz-date (which must be present), and a 64-hex Signature.
    /// </summary>
    private static void CheckAuthorization(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            throw new SqsError(403, "MissingAuthenticationToken", "MissingAuthenticationToken", "Request is missing Authentication Token");
        }

        var match = SigV4().Match(authorization);
        if (!match.Success)
        {
            throw new SqsError(400, "IncompleteSignature", "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).");
        }

        var signed = match.Groups["headers"].Value.Split(';');
        if (!signed.Contains("host") || !signed.Contains("x-amz-date") || request.Headers["X-Amz-Date"].ToString().Length == 0)
        {
            throw new SqsError(400, "IncompleteSignature", "IncompleteSignature", "The request must sign the host and x-amz-date headers and carry X-Amz-Date.");
        }

        if (!request.Headers["X-Amz-Date"].ToString().StartsWith(match.Groups["date"].Value, StringComparison.Ordinal))
        {
            throw new SqsError(403, "SignatureDoesNotMatch", "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.");
        }
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/,\s]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/sqs/aws4_request,\s*SignedHeaders=(?<headers>[a-z0-9;-]+),\s*Signature=[0-9a-f]{64}$")]
    private static partial Regex SigV4();
}
