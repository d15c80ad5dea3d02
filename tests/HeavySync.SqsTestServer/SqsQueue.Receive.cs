namespace HeavySync.SqsTestServer;

public sealed partial class SqsQueue
{
    private static readonly TimeSpan MaxVisibilityFromReceive = TimeSpan.FromHours(12);

    /// <summary>
    /// Receives up to <paramref name="max"/> visible messages, each leased for
    /// <paramref name="visibilitySeconds"/>, waiting up to <paramref name="wait"/> for the first.
    /// </summary>
    public async Task<List<DeliveredMessage>> ReceiveAsync(int max, TimeSpan wait, int visibilitySeconds, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + wait;
        while (true)
        {
            List<DeliveredMessage> taken;
            List<(StoredMessage Message, SqsQueue Target)>? redriven;
            DateTimeOffset nextDue;
            Task changed;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                (taken, redriven, nextDue) = Take(max, visibilitySeconds, now);
                changed = _changed.Task;
            }

            foreach (var (message, target) in redriven ?? [])
            {
                target.Adopt(message);
            }

            var remaining = deadline - _time.GetUtcNow();
            if (taken.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return taken;
            }

            var sleep = nextDue - _time.GetUtcNow();
            if (sleep > remaining)
            {
                sleep = remaining;
            }

            if (sleep < TimeSpan.Zero)
            {
                sleep = TimeSpan.Zero;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(changed, Task.Delay(sleep, _time, stop.Token)).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Deletes the message of a current handle. A stale handle (the message was received
    /// again since) or a deleted message succeeds without effect, as the API reference allows.</summary>
    public void Delete(ReceiptHandle handle)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(handle.MessageId, out var node) && node.Value.CurrentReceipt == handle.Nonce)
            {
                _messages.Remove(node);
                _byId.Remove(handle.MessageId);
            }
        }
    }

    /// <summary>Sets the message's visibility to <paramref name="seconds"/> from now.</summary>
    /// <exception cref="SqsError">Stale or expired handle (InvalidParameterValue), message not in flight
    /// (MessageNotInflight), or past 12 hours from the receive.</exception>
    public void ChangeVisibility(ReceiptHandle handle, int seconds)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (!_byId.TryGetValue(handle.MessageId, out var node) || node.Value.CurrentReceipt != handle.Nonce)
            {
                throw SqsError.InvalidParameter($"Value {handle.Encode()} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
            }

            var message = node.Value;
            if (!message.InFlight(now))
            {
                throw new SqsError(400, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "The message referred to isn't in flight.");
            }

            if (now.AddSeconds(seconds) > message.LastReceivedAt + MaxVisibilityFromReceive)
            {
                throw SqsError.InvalidParameter($"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
            }

            message.VisibleAt = now.AddSeconds(seconds);
            Signal();
        }
    }

    /// <summary>Caller holds the gate. Leases visible messages in arrival order; picks out those due for the dead-letter queue.</summary>
    private (List<DeliveredMessage> Taken, List<(StoredMessage, SqsQueue)>? Redriven, DateTimeOffset NextDue) Take(int max, int visibilitySeconds, DateTimeOffset now)
    {
        var taken = new List<DeliveredMessage>();
        List<(StoredMessage, SqsQueue)>? redriven = null;
        var nextDue = DateTimeOffset.MaxValue;
        var deadLetter = Settings.DeadLetterTargetArn is { } arn ? _findByArn(arn) : null;
        var node = _messages.First;
        while (node is not null)
        {
            var next = node.Next;
            var message = node.Value;
            if (message.VisibleAt > now)
            {
                if (message.VisibleAt < nextDue)
                {
                    nextDue = message.VisibleAt;
                }
            }
            else if (deadLetter is not null && message.ReceiveCount >= Settings.MaxReceiveCount)
            {
                _messages.Remove(node);
                _byId.Remove(message.Id);
                (redriven ??= []).Add((message, deadLetter));
            }
            else if (taken.Count < max)
            {
                message.Delayed = false;
                message.ReceiveCount++;
                message.FirstReceivedAt ??= now;
                message.LastReceivedAt = now;
                message.VisibleAt = now.AddSeconds(visibilitySeconds);
                message.CurrentReceipt = Guid.NewGuid().ToString("N");
                var handle = new ReceiptHandle(Name, message.Id, message.CurrentReceipt).Encode();
                taken.Add(new DeliveredMessage(message, handle, message.ReceiveCount, message.FirstReceivedAt.Value));
            }

            node = next;
        }

        return (taken, redriven, nextDue);
    }
}
