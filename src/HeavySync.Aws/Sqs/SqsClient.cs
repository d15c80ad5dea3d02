using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Storage;
using Polly;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// A small client of the SQS AWS JSON 1.0 protocol (AWSSDK.SQS is not available here): every
/// action is a POST to the endpoint's "/" with <c>X-Amz-Target: AmazonSQS.ACTION</c> and a JSON
/// body, signed with SigV4. Failures become <see cref="StoreException"/>s (see
/// <see cref="SqsErrorMapper"/>; the service's code stays reachable as the inner
/// <see cref="SqsServiceException"/>). Transient and throttled failures are retried with
/// exponential backoff and jitter, honouring Retry-After. Thread-safe. Split by concern: transport
/// here, messages and queues in the partial files.
/// </summary>
public sealed partial class SqsClient : IDisposable
{
    /// <summary>The store name requests are counted under.</summary>
    public const string StoreName = "sqs";

    private const string ContentType = "application/x-amz-json-1.0";

    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly SqsQueueOptions _options;
    private readonly IRequestObserver _observer;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Creates a client.</summary>
    /// <param name="endpoint">Service endpoint (scheme and authority are used).</param>
    /// <param name="region">Signing region.</param>
    /// <param name="credentials">Credentials (refreshed by the SDK when they expire).</param>
    /// <param name="options">Retry and timeout settings; null for the defaults.</param>
    /// <param name="observer">Counts requests by action; null for none.</param>
    /// <param name="timeProvider">Clock for signing and retries; null for the system clock.</param>
    /// <param name="handler">HTTP handler (tests); null for a pooled <see cref="SocketsHttpHandler"/>.</param>
    public SqsClient(
        Uri endpoint,
        string region,
        AWSCredentials credentials,
        SqsQueueOptions? options = null,
        IRequestObserver? observer = null,
        TimeProvider? timeProvider = null,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentNullException.ThrowIfNull(credentials);
        _options = options ?? new SqsQueueOptions();
        _options.Validate();
        Endpoint = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/");
        Region = region;
        _credentials = credentials;
        _observer = observer ?? NullRequestObserver.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // Per-attempt deadlines are set on each request: long polls need more than short calls.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _pipeline = StoreRetry.Create(new StoreRetryOptions(_options.MaxAttempts, _options.RetryBaseDelay, _options.RetryMaxDelay), _time);
    }

    /// <summary>The endpoint requests go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The signing region.</summary>
    public string Region { get; }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>Sends one action with retries; returns the parsed answer (an empty object for empty bodies).</summary>
    private Task<JsonElement> InvokeAsync<TRequest>(string action, TRequest request, string what, TimeSpan wait, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, SqsJson.TypeInfo<TRequest>());
        return _pipeline.ExecuteAsync(
            async token => await SendOnceAsync(action, body, what, _options.RequestTimeout + wait, token).ConfigureAwait(false),
            cancellationToken).AsTask();
    }

    private async Task<JsonElement> SendOnceAsync(string action, byte[] body, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            using var request = await BuildRequestAsync(action, body, attempt.Token).ConfigureAwait(false);
            _observer.OnRequest(StoreName, action);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attempt.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(attempt.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return bytes.Length == 0 ? EmptyObject() : ParseAnswer(bytes, what);
            }

            var error = SqsErrorParser.Parse(response, bytes);
            var mapped = SqsErrorMapper.MapService(error, what, RetryAfter(response));
            if (mapped.Kind == StoreErrorKind.Throttled)
            {
                _observer.OnThrottled(StoreName);
            }

            throw mapped;
        }
        catch (Exception ex) when (SqsErrorMapper.MapException(ex, what, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private async Task<HttpRequestMessage> BuildRequestAsync(string action, byte[] body, CancellationToken cancellationToken)
    {
        var credentials = await _credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var signedAt = _time.GetUtcNow().UtcDateTime;
        var amzDate = signedAt.ToString(SigV4Signer.DateFormat, CultureInfo.InvariantCulture);
        var target = "AmazonSQS." + action;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = ContentType,
            ["host"] = Endpoint.Authority,
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = target,
            ["x-amzn-query-mode"] = "true",
        };
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }

        var authorization = SigV4Signer.Authorization("POST", Endpoint, headers, body, credentials, Region, "sqs", signedAt);
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        foreach (var (name, value) in headers)
        {
            if (name is not ("content-type" or "host"))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    private static JsonElement ParseAnswer(byte[] bytes, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new StoreException(StoreErrorKind.Transient, $"{what}: the answer is not JSON", ex);
        }
    }

    private static JsonElement EmptyObject()
    {
        using var document = JsonDocument.Parse("{}");
        return document.RootElement.Clone();
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : delta;
        }

        return null;
    }

    /// <summary>Delay before retry <paramref name="attempt"/> (1-based) of failed batch entries: exponential, jittered, capped.</summary>
    private TimeSpan BackoffDelay(int attempt)
    {
        var exponential = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, _options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble()));
    }

    private static T Deserialize<T>(JsonElement element, string what)
    {
        try
        {
            return element.Deserialize(SqsJson.TypeInfo<T>()) ?? throw new JsonException("null answer");
        }
        catch (JsonException ex)
        {
            throw new StoreException(StoreErrorKind.Transient, $"{what}: unexpected answer shape", ex);
        }
    }
}
