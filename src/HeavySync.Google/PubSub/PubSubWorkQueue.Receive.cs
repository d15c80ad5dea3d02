using HeavySync.Queue;

namespace HeavySync.Google.PubSub;

public sealed partial class PubSubWorkQueue
{
    /// <summary>Pub/Sub's most messages per pull.</summary>
    private const int MaxPull = 1000;

    /// <summary>The pause after the next empty pull; guarded by <see cref="_pauseGate"/>.</summary>
    private TimeSpan _pause;
    private readonly Lock _pauseGate = new();

    /// <inheritdoc />
    /// <remarks>Pulls that answer at once, pausing after each empty one. The pause grows from
    /// <see cref="PubSubQueueOptions.MinPollInterval"/>, doubling up to
    /// <see cref="PubSubQueueOptions.MaxPollInterval"/>, and carries over to the next receive, so an
    /// idle consumer costs one pull per <see cref="PubSubQueueOptions.MaxPollInterval"/>; a pull that
    /// brings messages starts it over. A wait of zero pulls once. Cancellation is honoured during
    /// pauses; a pull in progress is finished (it is short) and what it brought is released at once.</remarks>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "must be zero or more, or infinite");
        }

        var started = _time.GetTimestamp();

        // An idle consumer keeps its pace across receives: the first pull waits out the pause the
        // last empty pull asked for (what is left of it), within this receive's wait.
        var owed = PauseOwed();
        if (owed > TimeSpan.Zero)
        {
            await Task.Delay(wait != Timeout.InfiniteTimeSpan && wait < owed ? wait : owed, _time, cancellationToken).ConfigureAwait(false);
            if (wait != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(started) >= wait && wait < owed)
            {
                return [];
            }
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Not cancellable: an abandoned pull may already have leased messages to nobody.
            var pulled = await _client.PullAsync(Location.SubscriptionName, Math.Min(maxMessages, MaxPull), CancellationToken.None).ConfigureAwait(false);
            if (pulled.Count > 0)
            {
                ResetPause();
                if (cancellationToken.IsCancellationRequested)
                {
                    await IgnoringStaleAsync(ModifyDeadlinesAsync([.. pulled.Select(p => p.AckId)], 0, CancellationToken.None)).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var received = await AcceptAsync(pulled, cancellationToken).ConfigureAwait(false);
                if (received.Count > 0)
                {
                    return received;
                }
            }

            // What is left of a finite wait, never compared with the infinite one's -1 ms sentinel
            // (a wait overrun by exactly 1 ms leaves that very value).
            TimeSpan? remaining = null;
            if (wait != Timeout.InfiniteTimeSpan)
            {
                remaining = wait - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return [];
                }
            }

            var pause = NextPause();
            await Task.Delay(remaining < pause ? remaining.Value : pause, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void ResetPause()
    {
        lock (_pauseGate)
        {
            _pause = TimeSpan.Zero;
            _nextPullAt = 0;
        }
    }

    /// <summary>The pause after this empty pull, growing for the next one; the next pull is due after it.</summary>
    private TimeSpan NextPause()
    {
        lock (_pauseGate)
        {
            _pause = _pause <= TimeSpan.Zero ? _options.MinPollInterval
                : _pause * 2 < _options.MaxPollInterval ? _pause * 2 : _options.MaxPollInterval;
            _nextPullAt = _time.GetTimestamp() + (long)(_pause.TotalSeconds * _time.TimestampFrequency);
            return _pause;
        }
    }

    /// <summary>What is left of the pause the last empty pull asked for.</summary>
    private TimeSpan PauseOwed()
    {
        lock (_pauseGate)
        {
            var now = _time.GetTimestamp();
            return _nextPullAt > now ? TimeSpan.FromSeconds((double)(_nextPullAt - now) / _time.TimestampFrequency) : TimeSpan.Zero;
        }
    }

    /// <summary>When the next pull is due after an empty one (a <see cref="TimeProvider"/> timestamp; 0: now).</summary>
    private long _nextPullAt;

    /// <summary>Sets the lease of fresh deliveries and decodes them; undecodable ones are left to expire.</summary>
    private async Task<List<ReceivedMessage>> AcceptAsync(IReadOnlyList<PubSubWire.ReceivedMessage> pulled, CancellationToken cancellationToken)
    {
        if (_options.LeaseDuration is { } lease && await NeedsOwnDeadlineAsync(lease, cancellationToken).ConfigureAwait(false))
        {
            // Our lease, not the subscription's deadline: set before any work starts, one request for the whole pull.
            await ModifyDeadlinesAsync([.. pulled.Select(p => p.AckId)], DeadlineSeconds(lease), cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// False when the subscription's own ack deadline already is the lease (read once with the
    /// topic), so a pull needs no <c>modifyAckDeadline</c>.
    /// </summary>
    private async Task<bool> NeedsOwnDeadlineAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        if (_subscriptionReadFailed)
        {
            return true;
        }

        try
        {
            await TopicAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HeavySync.Storage.StoreException)
        {
            // A copier may hold only the subscriber role (no subscriptions.get): set the lease on every pull.
            _subscriptionReadFailed = true;
            return true;
        }

        return _subscriptionDeadlineSeconds != DeadlineSeconds(lease);
    }

    private bool _subscriptionReadFailed;

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
