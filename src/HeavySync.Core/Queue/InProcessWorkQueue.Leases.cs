namespace HeavySync.Queue;

public sealed partial class InProcessWorkQueue
{
    /// <summary>
    /// No lease expires and no delayed message is due before this instant. Every new due time lowers
    /// it, so receivers skip the scan of leases while it lies in the future.
    /// </summary>
    private DateTimeOffset _nextDue = DateTimeOffset.MaxValue;

    /// <inheritdoc />
    /// <remarks>A lease that expired or is unknown is ignored: the message stays (or already went) up for redelivery.</remarks>
    public Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            // Expired leases go first, so a late ack behaves the same whether or not the timer has run.
            PromoteDue(_time.GetUtcNow());
            _leases.Remove(message.LeaseToken);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>The next delivery counts one more. An expired or unknown lease is ignored.</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            PromoteDue(now);
            if (!_leases.Remove(message.LeaseToken, out var lease))
            {
                return Task.CompletedTask;
            }

            if (delay <= TimeSpan.Zero)
            {
                _redeliveries.Enqueue(lease.Envelope);
                Signal();
            }
            else
            {
                _delayed.Enqueue(lease.Envelope, now + delay);
                Schedule(now + delay, now);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>The lease then ends <paramref name="extension"/> from now (as SQS and Pub/Sub count it).
    /// An expired or unknown lease is ignored.</remarks>
    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            PromoteDue(now);
            if (_leases.TryGetValue(message.LeaseToken, out var lease))
            {
                lease.ExpiresAt = now + extension;
                Schedule(lease.ExpiresAt, now);
            }
        }

        return Task.CompletedTask;
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (now < _nextDue && _nextDue != DateTimeOffset.MaxValue)
            {
                // Timers may fire a little early; come back when the due time has really come.
                _timer.Change(_nextDue - now, Timeout.InfiniteTimeSpan);
                return;
            }

            PromoteDue(now);
        }
    }

    /// <summary>
    /// Moves expired leases and due delayed messages to the redelivery queue and wakes receivers.
    /// Caller holds the gate. The scan of leases is bounded by the messages in flight.
    /// </summary>
    private void PromoteDue(DateTimeOffset now)
    {
        if (now < _nextDue)
        {
            return;
        }

        var promoted = false;
        var next = DateTimeOffset.MaxValue;
        List<string>? expired = null;
        foreach (var (token, lease) in _leases)
        {
            if (lease.ExpiresAt <= now)
            {
                (expired ??= []).Add(token);
            }
            else if (lease.ExpiresAt < next)
            {
                next = lease.ExpiresAt;
            }
        }

        foreach (var token in expired ?? [])
        {
            _leases.Remove(token, out var lease);
            _redeliveries.Enqueue(lease!.Envelope);
            promoted = true;
        }

        while (_delayed.TryPeek(out var envelope, out var due) && due <= now)
        {
            _delayed.Dequeue();
            _redeliveries.Enqueue(envelope);
            promoted = true;
        }

        if (_delayed.TryPeek(out _, out var delayedDue) && delayedDue < next)
        {
            next = delayedDue;
        }

        _nextDue = DateTimeOffset.MaxValue;
        if (next != DateTimeOffset.MaxValue)
        {
            Schedule(next, now);
        }

        if (promoted)
        {
            Signal();
        }
    }

    /// <summary>Makes sure the timer fires no later than <paramref name="due"/>. Caller holds the gate.</summary>
    private void Schedule(DateTimeOffset due, DateTimeOffset now)
    {
        if (due >= _nextDue || _disposed)
        {
            return;
        }

        _nextDue = due;
        var delay = due - now;
        _timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
