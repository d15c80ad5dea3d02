using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HeavySync.Storage;
using Polly;

namespace HeavySync.Google.PubSub;

/// <summary>
/// A focused Pub/Sub REST v1 client (the Cloud client libraries do not restore here): one JSON
/// request per call, each retried on its own with exponential backoff and jitter for transient and
/// throttled failures (honouring Retry-After). Every failure is a <see cref="StoreException"/>;
/// see <see cref="PubSubErrorMapper"/> for the kinds.
/// </summary>
internal sealed partial class PubSubClient : IDisposable
{
    private static JsonSerializerOptions Json => PubSubJsonContext.Default.Options;

    private readonly HttpClient _http;
    private readonly PubSubQueueOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly IRequestObserver _observer;

    /// <summary>The store name requests are counted under.</summary>
    public const string StoreName = "pubsub";

    public PubSubClient(HttpClient http, PubSubQueueOptions options, TimeProvider? timeProvider = null)
    {
        _http = http;
        _options = options;
        _observer = options.RequestObserver ?? NullRequestObserver.Instance;
        _retry = StoreRetry.Create(new StoreRetryOptions(options.MaxAttempts, options.RetryBaseDelay, options.RetryMaxDelay), timeProvider ?? TimeProvider.System);
    }

    /// <summary>Creates a client for <paramref name="options"/>: see <see cref="PubSubHttp"/>.</summary>
    public static async Task<PubSubClient> CreateAsync(PubSubQueueOptions options, CancellationToken cancellationToken) =>
        new(await PubSubHttp.CreateAsync(options, cancellationToken).ConfigureAwait(false), options);

    /// <summary>Publishes one request's worth of messages (the caller keeps within Pub/Sub's limits); returns their ids.</summary>
    public async Task<IReadOnlyList<string>> PublishAsync(string topic, IReadOnlyList<PubSubWire.OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var response = await SendAsync<PubSubWire.PublishResponse>(
            HttpMethod.Post, _options.ResolvedEndpoint, $"v1/{topic}:publish", new PubSubWire.PublishRequest(messages), "publish " + topic, cancellationToken).ConfigureAwait(false);
        return response?.MessageIds ?? [];
    }

    /// <summary>One pull that answers at once (<c>returnImmediately</c>, which Google marks deprecated and
    /// discouraged): see docs/pubsub.md for why this client keeps it.</summary>
    public async Task<IReadOnlyList<PubSubWire.ReceivedMessage>> PullAsync(string subscription, int maxMessages, CancellationToken cancellationToken)
    {
        var response = await SendAsync<PubSubWire.PullResponse>(
            HttpMethod.Post, _options.ResolvedEndpoint, $"v1/{subscription}:pull", new PubSubWire.PullRequest(maxMessages, true), "pull " + subscription, cancellationToken).ConfigureAwait(false);
        return response?.ReceivedMessages ?? [];
    }

    /// <summary>Acknowledges deliveries.</summary>
    public Task AcknowledgeAsync(string subscription, IReadOnlyList<string> ackIds, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, _options.ResolvedEndpoint, $"v1/{subscription}:acknowledge", new PubSubWire.AcknowledgeRequest(ackIds), "acknowledge " + subscription, cancellationToken);

    /// <summary>Sets the ack deadline of deliveries to <paramref name="seconds"/> from now (0: give them back).</summary>
    public Task ModifyAckDeadlineAsync(string subscription, IReadOnlyList<string> ackIds, int seconds, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, _options.ResolvedEndpoint, $"v1/{subscription}:modifyAckDeadline", new PubSubWire.ModifyAckDeadlineRequest(ackIds, seconds), "modifyAckDeadline " + subscription, cancellationToken);

    /// <summary>Reads a subscription (its topic, dead-letter policy).</summary>
    public async Task<PubSubWire.Subscription> GetSubscriptionAsync(string subscription, CancellationToken cancellationToken) =>
        await SendAsync<PubSubWire.Subscription>(HttpMethod.Get, _options.ResolvedEndpoint, "v1/" + subscription, null, "get " + subscription, cancellationToken).ConfigureAwait(false)
        ?? throw new StoreException(StoreErrorKind.Transient, $"pubsub get {subscription}: empty answer");

    /// <summary>Sends one request through the retry pipeline; null for an empty body. Conflicts (409) answer null when <paramref name="conflictIsSuccess"/>.</summary>
    private async Task<T?> SendAsync<T>(HttpMethod method, Uri endpoint, string path, object? body, string what, CancellationToken cancellationToken, bool conflictIsSuccess = false)
    {
        return await _retry.ExecuteAsync(
            async token =>
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(_options.RequestTimeout);
                _observer.OnRequest(StoreName, Operation(method, path));
                try
                {
                    using var request = new HttpRequestMessage(method, new Uri(endpoint, path));
                    if (body is not null)
                    {
                        request.Content = JsonContent.Create(body, Json.GetTypeInfo(body.GetType()));
                    }

                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attempt.Token).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.Conflict && conflictIsSuccess)
                    {
                        return default;
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        var text = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
                        var error = PubSubErrorMapper.FromResponse(response.StatusCode, text, RetryAfter(response), what);
                        if (error.Kind == StoreErrorKind.Throttled)
                        {
                            _observer.OnThrottled(StoreName);
                        }

                        throw error;
                    }

                    var bytes = await response.Content.ReadAsByteArrayAsync(attempt.Token).ConfigureAwait(false);
                    return bytes.Length == 0 ? default : JsonSerializer.Deserialize(bytes, (JsonTypeInfo<T>)Json.GetTypeInfo(typeof(T)));
                }
                catch (Exception ex) when (PubSubErrorMapper.FromException(ex, what, token) is { } mapped)
                {
                    throw mapped;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The counted name of a request: the method after the colon (<c>pull</c>, <c>acknowledge</c>, ...),
    /// <c>depth</c> for Cloud Monitoring, else the HTTP verb in lower case (admin calls).</summary>
    private static string Operation(HttpMethod method, string path)
    {
        if (path.StartsWith("v3/", StringComparison.Ordinal))
        {
            return "depth";
        }

        var query = path.IndexOf('?', StringComparison.Ordinal);
        var bare = query >= 0 ? path[..query] : path;
        var colon = bare.LastIndexOf(':');
        return colon >= 0 ? bare[(colon + 1)..] : method.Method.ToLowerInvariant();
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    public void Dispose() => _http.Dispose();
}
