using HeavySync.Queue;

namespace HeavySync.Google.PubSub;

public sealed partial class PubSubWorkQueue
{
    /// <inheritdoc />
    /// <remarks>An expired or unknown ack id is harmless: Pub/Sub answers success (or, with
    /// exactly-once delivery, INVALID_ARGUMENT, which is ignored here).</remarks>
    public Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return IgnoringStaleAsync(_client.AcknowledgeAsync(Location.SubscriptionName, [message.LeaseToken], cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>Pub/Sub cannot hold a nacked message back for a chosen time: the ack deadline is set
    /// to <paramref name="delay"/> (rounded up to whole seconds, at most 600 s), so the message
    /// comes back no sooner than that, and (as after any deadline) once Pub/Sub redelivers it. A
    /// zero delay nacks at once (deadline 0).</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var seconds = delay <= TimeSpan.Zero ? 0 : DeadlineSeconds(delay);
        return IgnoringStaleAsync(_client.ModifyAckDeadlineAsync(Location.SubscriptionName, [message.LeaseToken], seconds, cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>The heartbeat: <c>modifyAckDeadline</c> to <paramref name="extension"/> from now,
    /// rounded up to whole seconds, at most 600 s.</remarks>
    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        return IgnoringStaleAsync(_client.ModifyAckDeadlineAsync(Location.SubscriptionName, [message.LeaseToken], DeadlineSeconds(extension), cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Cloud Monitoring's <c>subscription/num_undelivered_messages</c> (what the KEDA
    /// <c>gcp-pubsub</c> scaler reads): sampled once a minute and visible a few minutes later, so
    /// it lags; reused for <see cref="PubSubQueueOptions.DepthCacheDuration"/>. Pub/Sub's own API
    /// has no backlog count, so with an emulator (no monitoring) the depth is unknown: -1.
    /// Also -1 when monitoring holds no recent point for the subscription.
    /// </remarks>
    public async Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken)
    {
        if (_options.ResolvedMonitoringEndpoint is not { } monitoring)
        {
            return -1;
        }

        var now = _time.GetUtcNow();
        if (_depthCache is { } cached && now - cached.At < _options.DepthCacheDuration)
        {
            return cached.Depth;
        }

        var depth = await _client.GetUndeliveredAsync(monitoring, Location.Project, Location.Subscription, TimeSpan.FromMinutes(5), now, cancellationToken).ConfigureAwait(false) ?? -1;
        _depthCache = new DepthReading(depth, now);
        return depth;
    }

    private static async Task IgnoringStaleAsync(Task request)
    {
        try
        {
            await request.ConfigureAwait(false);
        }
        catch (HeavySync.Storage.StoreException ex) when (ex.Kind == HeavySync.Storage.StoreErrorKind.Permanent)
        {
            // 400 INVALID_ARGUMENT: the ack id expired (exactly-once subscriptions say so); the lease is gone either way.
        }
    }

    private sealed record DepthReading(long Depth, DateTimeOffset At);
}
