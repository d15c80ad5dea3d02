using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HeavySync.IntegrationTests.PubSub;

/// <summary>
/// TEST-ONLY stand-in for Cloud Monitoring, which the Pub/Sub emulator lacks: an HTTP handler in
/// front of the emulator that watches the traffic passing through it (subscriptions created,
/// messages published, deliveries pulled and acknowledged) and answers Cloud Monitoring's
/// <c>GET v3/projects/P/timeSeries</c> with each subscription's undelivered count, as Google would
/// (newest point first, int64 as a string). The emulator stays the queue; this only counts what
/// every queue sharing this handler did. Messages dead-lettered by the emulator are not seen leaving.
/// </summary>
public sealed partial class EmulatorBacklogMonitor() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _subscriptionsOfTopic = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _undelivered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _messageOfAckId = new(StringComparer.Ordinal);

    /// <summary>Publish requests seen, by topic.</summary>
    public ConcurrentDictionary<string, int> PublishRequests { get; } = new(StringComparer.Ordinal);

    /// <summary>Pub/Sub requests seen, by method (<c>publish</c>, <c>pull</c>, <c>acknowledge</c>, ...; <c>PUT</c>/<c>GET</c>/<c>DELETE</c> for admin).</summary>
    public ConcurrentDictionary<string, int> RequestsByMethod { get; } = new(StringComparer.Ordinal);

    /// <summary>Monitoring reads answered.</summary>
    public int DepthReads => _depthReads;

    private int _depthReads;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (path.StartsWith("/v3/", StringComparison.Ordinal))
        {
            return AnswerTimeSeries(request.RequestUri);
        }

        var colon = path.LastIndexOf(':');
        RequestsByMethod.AddOrUpdate(colon > 0 ? path[(colon + 1)..] : request.Method.Method, 1, (_, n) => n + 1);
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return response;
        }

        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        Observe(request.Method, path, body, answer);
        var replaced = new HttpResponseMessage(response.StatusCode) { Content = new StringContent(answer, Encoding.UTF8, "application/json"), RequestMessage = request };
        response.Dispose();
        return replaced;
    }

    private void Observe(HttpMethod method, string path, string? body, string answer)
    {
        var name = Uri.UnescapeDataString(path.TrimStart('/'))["v1/".Length..];
        if (method == HttpMethod.Put && name.Contains("/subscriptions/", StringComparison.Ordinal) && body is not null)
        {
            var topic = JsonDocument.Parse(body).RootElement.GetProperty("topic").GetString()!;
            _subscriptionsOfTopic.GetOrAdd(topic, _ => []).Add(name);
            _undelivered.TryAdd(name, new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        }
        else if (name.EndsWith(":publish", StringComparison.Ordinal))
        {
            var topic = name[..^":publish".Length];
            PublishRequests.AddOrUpdate(topic, 1, (_, n) => n + 1);
            var ids = JsonDocument.Parse(answer).RootElement.GetProperty("messageIds").EnumerateArray().Select(e => e.GetString()!).ToList();
            foreach (var subscription in _subscriptionsOfTopic.GetValueOrDefault(topic) ?? [])
            {
                foreach (var id in ids)
                {
                    _undelivered[subscription].TryAdd(id, 0);
                }
            }
        }
        else if (name.EndsWith(":pull", StringComparison.Ordinal)
            && JsonDocument.Parse(answer).RootElement.TryGetProperty("receivedMessages", out var received))
        {
            foreach (var delivery in received.EnumerateArray())
            {
                _messageOfAckId[delivery.GetProperty("ackId").GetString()!] = delivery.GetProperty("message").GetProperty("messageId").GetString()!;
            }
        }
        else if (name.EndsWith(":acknowledge", StringComparison.Ordinal) && body is not null)
        {
            var subscription = name[..^":acknowledge".Length];
            foreach (var ackId in JsonDocument.Parse(body).RootElement.GetProperty("ackIds").EnumerateArray())
            {
                if (_messageOfAckId.TryGetValue(ackId.GetString()!, out var id) && _undelivered.TryGetValue(subscription, out var set))
                {
                    set.TryRemove(id, out _);
                }
            }
        }
    }

    private HttpResponseMessage AnswerTimeSeries(Uri uri)
    {
        Interlocked.Increment(ref _depthReads);
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        var project = uri.AbsolutePath.Split('/')[3];
        var subscription = SubscriptionId().Match(query["filter"] ?? string.Empty).Groups[1].Value;
        var json = _undelivered.TryGetValue($"projects/{project}/subscriptions/{subscription}", out var set)
            ? $$$"""{"timeSeries":[{"points":[{"value":{"int64Value":"{{{set.Count}}}"}}]}]}"""
            : "{}";
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }

    [GeneratedRegex("resource\\.labels\\.subscription_id=\"([^\"]+)\"")]
    private static partial Regex SubscriptionId();
}
