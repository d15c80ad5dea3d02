using HeavySync.Queue;

namespace HeavySync.Google.PubSub;

public sealed partial class PubSubWorkQueue
{
    /// <summary>Pub/Sub's most messages per pull.</summary>
    private const int MaxPull = 1000;

    /// <inheritdoc />
    /// <remarks>Pulls that answer at once, pausing between empty ones (from
    /// <see cref="PubSubQueueOptions.MinPollInterval"/>, doubling up to
    /// <see cref="PubSubQueueOptions.MaxPollInterval"/>) until a message comes, the wait ends or
    /// cancellation. A wait of zero pulls once.</remarks>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "must be zero or more, or infinite");
        }

        var started = _time.GetTimestamp();
        var pause = _options.MinPollInterval;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pulled = await _client.PullAsync(Location.SubscriptionName, Math.Min(maxMessages, MaxPull), cancellationToken).ConfigureAwait(false);
            if (pulled.Count > 0)
            {
                var received = await AcceptAsync(pulled, cancellationToken).ConfigureAwait(false);
                if (received.Count > 0)
                {
                    return received;
                }
            }

            var remaining = wait == Timeout.InfiniteTimeSpan ? pause : wait - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            await Task.Delay(remaining < pause ? remaining : pause, _time, cancellationToken).ConfigureAwait(false);
            pause = pause * 2 < _options.MaxPollInterval ? pause * 2 : _options.MaxPollInterval;
        }
    }

    /// <summary>Sets the lease of fresh deliveries and decodes them; undecodable ones are left to expire.</summary>
    private async Task<List<ReceivedMessage>> AcceptAsync(IReadOnlyList<PubSubWire.ReceivedMessage> pulled, CancellationToken cancellationToken)
    {
        if (_options.LeaseDuration is { } lease)
        {
            // Our lease, not the subscription's deadline: set before any work starts.
            await _client.ModifyAckDeadlineAsync(
                Location.SubscriptionName, [.. pulled.Select(p => p.AckId)], DeadlineSeconds(lease), cancellationToken).ConfigureAwait(false);
        }

        var received = new List<ReceivedMessage>(pulled.Count);
        foreach (var delivery in pulled)
        {
            var messageId = delivery.Message?.MessageId ?? delivery.AckId;
            WorkMessage message;
            try
            {
                message = Decode(delivery.Message);
            }
            catch (FormatException ex)
            {
                LogUndecodable(messageId, ex.Message);
                continue;
            }

            var count = delivery.DeliveryAttempt > 0 ? delivery.DeliveryAttempt : _tally.Record(messageId);
            received.Add(new ReceivedMessage(message, delivery.AckId, count));
        }

        return received;
    }

    /// <summary>The document from base64 data, with the trace context restored from the attribute when the document lacks it.</summary>
    internal static WorkMessage Decode(PubSubWire.IncomingMessage? incoming)
    {
        if (incoming?.Data is not { Length: > 0 } data)
        {
            throw new FormatException("empty message");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data);
        }
        catch (FormatException ex)
        {
            throw new FormatException("data is not base64", ex);
        }

        var message = WorkMessageCodec.Decode(bytes);
        if (message.TraceParent is null && incoming.Attributes?.GetValueOrDefault(TraceParentAttribute) is { Length: > 0 } traceParent)
        {
            message = message with { TraceParent = traceParent };
        }

        return message;
    }

    /// <summary>Seconds for <c>modifyAckDeadline</c>: rounded up, within Pub/Sub's 0 to 600.</summary>
    internal static int DeadlineSeconds(TimeSpan duration) =>
        (int)Math.Clamp(Math.Ceiling(duration.TotalSeconds), 0, MaxDeadline.TotalSeconds);
}
