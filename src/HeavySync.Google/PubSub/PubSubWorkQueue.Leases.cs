using HeavySync.Queue;

namespace HeavySync.Google.PubSub;

public sealed partial class PubSubWorkQueue
{
    /// <summary>Ack ids per acknowledge or modifyAckDeadline request (Google's client libraries send up to 2,500; a request stays far below 512 KiB here).</summary>
    private const int MaxAckIdsPerRequest = 1000;

    /// <inheritdoc />
    /// <remarks>An expired or unknown ack id is harmless: Pub/Sub answers success (or, with
    /// exactly-once delivery, INVALID_ARGUMENT, which is ignored here).</remarks>
    public Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return AckBatchAsync([message], cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One <c>acknowledge</c> per 1,000 ack ids.</remarks>
    public async Task AckBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var chunk in messages.Select(m => m.LeaseToken).Chunk(MaxAckIdsPerRequest))
        {
            await IgnoringStaleAsync(_client.AcknowledgeAsync(Location.SubscriptionName, chunk, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>Pub/Sub cannot hold a nacked message back for a chosen time: the ack deadline is set
    /// to <paramref name="delay"/> (rounded up to whole seconds, at most 600 s), so the message
    /// comes back no sooner than that, and (as after any deadline) once Pub/Sub redelivers it. A
    /// zero delay nacks at once (deadline 0).</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ReleaseBatchAsync([message], delay, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>As <see cref="ReleaseAsync"/>, one <c>modifyAckDeadline</c> per 1,000 ack ids.</remarks>
    public Task ReleaseBatchAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var seconds = delay <= TimeSpan.Zero ? 0 : DeadlineSeconds(delay);
        return IgnoringStaleAsync(ModifyDeadlinesAsync([.. messages.Select(m => m.LeaseToken)], seconds, cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>The heartbeat: <c>modifyAckDeadline</c> to <paramref name="extension"/> from now,
    /// rounded up to whole seconds, at most 600 s.</remarks>
    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ExtendLeasesAsync([message], extension, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>As <see cref="ExtendLeaseAsync"/>, one <c>modifyAckDeadline</c> per 1,000 ack ids.</remarks>
    public Task ExtendLeasesAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        return IgnoringStaleAsync(ModifyDeadlinesAsync([.. messages.Select(m => m.LeaseToken)], DeadlineSeconds(extension), cancellationToken));
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

    /// <summary>modifyAckDeadline for many ack ids, 1,000 per request.</summary>
    private async Task ModifyDeadlinesAsync(IReadOnlyList<string> ackIds, int seconds, CancellationToken cancellationToken)
    {
        foreach (var chunk in ackIds.Chunk(MaxAckIdsPerRequest))
        {
            await _client.ModifyAckDeadlineAsync(Location.SubscriptionName, chunk, seconds, cancellationToken).ConfigureAwait(false);
        }
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
