using System.Globalization;
using System.Text.Json;

namespace HeavySync.Google.PubSub;

internal sealed partial class PubSubClient
{
    /// <summary>Creates a topic (<c>projects/P/topics/T</c>); one that exists already is fine.</summary>
    public Task CreateTopicAsync(string topic, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Put, _options.ResolvedEndpoint, "v1/" + topic, new PubSubWire.Topic(null), "create " + topic, cancellationToken, conflictIsSuccess: true);

    /// <summary>Creates a subscription; one that exists already is fine (and left as it is).</summary>
    public Task CreateSubscriptionAsync(string subscription, PubSubWire.Subscription spec, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Put, _options.ResolvedEndpoint, "v1/" + subscription, spec, "create " + subscription, cancellationToken, conflictIsSuccess: true);

    /// <summary>Deletes a subscription or topic (<paramref name="name"/> is its full name).</summary>
    public Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Delete, _options.ResolvedEndpoint, "v1/" + name, null, "delete " + name, cancellationToken);

    /// <summary>
    /// The newest <c>pubsub.googleapis.com/subscription/num_undelivered_messages</c> point of the
    /// last <paramref name="window"/> from Cloud Monitoring (sampled every 60 s, visible up to ~2
    /// minutes later); null when the window holds no point.
    /// </summary>
    public async Task<long?> GetUndeliveredAsync(Uri monitoring, string project, string subscriptionId, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id=\"" + subscriptionId + "\"";
        var path = $"v3/projects/{project}/timeSeries"
            + "?filter=" + Uri.EscapeDataString(filter)
            + "&interval.startTime=" + Uri.EscapeDataString((now - window).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
            + "&interval.endTime=" + Uri.EscapeDataString(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
            + "&view=FULL";
        var response = await SendAsync<PubSubWire.ListTimeSeriesResponse>(HttpMethod.Get, monitoring, path, null, "depth of " + subscriptionId, cancellationToken).ConfigureAwait(false);

        // Points come newest first; one series per subscription.
        var newest = response?.TimeSeries?.FirstOrDefault()?.Points?.FirstOrDefault()?.Value?.Int64Value;
        return newest is not null && long.TryParse(newest, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : null;
    }
}
