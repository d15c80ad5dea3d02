using System.Globalization;
using System.Text;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Queue;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Aws.Sqs;

public sealed partial class SqsWorkQueue
{
    private static readonly string[] SystemAttributes = ["ApproximateReceiveCount"];
    private static readonly string[] MessageAttributes = [TraceParentAttribute];

    /// <summary>Pause between short polls when less than a second of the wait remains (SQS long polls count whole seconds).</summary>
    private static readonly TimeSpan ShortPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How far below a whole second a remaining wait may be and still long poll that second.</summary>
    private static readonly TimeSpan WholeSecondTolerance = TimeSpan.FromMilliseconds(50);

    /// <inheritdoc />
    /// <remarks>
    /// At most 10 per call (SQS's limit). Waits of a second or more long poll (20 s at most per
    /// request); the sub-second rest is covered by short polls. A message whose body is not a work
    /// message is logged and left leased: it comes back and, with a RedrivePolicy, ends in the
    /// dead-letter queue. Cancellation returns at once, but a long poll already sent is not cut
    /// off (SQS may still hand it messages, which a closed connection would strand until their
    /// visibility timeout): it finishes in the background and whatever it brings is made visible
    /// again at once. Disposing waits for such polls.
    /// </remarks>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "must be zero or more, or infinite");
        }

        ThrowIfDisposed();
        var started = _time.GetTimestamp();
        while (true)
        {
            var remaining = wait == Timeout.InfiniteTimeSpan ? _options.MaxWaitPerPoll : wait - _time.GetElapsedTime(started);
            // Whole seconds; a wait a hair short of a second (the time this call already took) still
            // long polls, rather than falling back to a burst of short polls.
            var seconds = Math.Floor(remaining.TotalSeconds + WholeSecondTolerance.TotalSeconds);
            var waitSeconds = seconds >= 1 ? (int)Math.Min(seconds, _options.MaxWaitPerPoll.TotalSeconds) : 0;
            var request = new ReceiveRequest(Math.Min(maxMessages, SqsClient.MaxBatchEntries), waitSeconds, _visibilitySeconds, MessageAttributes, SystemAttributes);
            var messages = await ReceiveAbandoningSafelyAsync(request, cancellationToken).ConfigureAwait(false);
            var received = Decode(messages);
            if (received.Count > 0)
            {
                return received;
            }

            remaining = wait == Timeout.InfiniteTimeSpan ? _options.MaxWaitPerPoll : wait - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            if (waitSeconds == 0)
            {
                await Task.Delay(remaining < ShortPollInterval ? remaining : ShortPollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One ReceiveMessage the caller may stop waiting for without stranding what it brings.</summary>
    private async Task<IReadOnlyList<SqsMessage>> ReceiveAbandoningSafelyAsync(ReceiveRequest request, CancellationToken cancellationToken)
    {
        var poll = _client.ReceiveMessageAsync(_queueUrl, request, _closing.Token);
        try
        {
            return await poll.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !poll.IsCompleted)
        {
            var orphan = ReleaseWhenDoneAsync(poll);
            _orphans.TryAdd(orphan, 0);
            _ = orphan.ContinueWith(done => _orphans.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Waits for an abandoned long poll and makes what it received visible again at once.</summary>
    private async Task ReleaseWhenDoneAsync(Task<IReadOnlyList<SqsMessage>> poll)
    {
        try
        {
            var messages = await poll.ConfigureAwait(false);
            if (messages.Count > 0)
            {
                await SendVisibilityBatchesAsync([.. messages.Select(m => m.ReceiptHandle)], TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is StoreException or OperationCanceledException or ObjectDisposedException)
        {
            // Nothing more can be done: those messages come back when their visibility timeout ends.
        }
    }

    private List<ReceivedMessage> Decode(IReadOnlyList<SqsMessage> messages)
    {
        var received = new List<ReceivedMessage>(messages.Count);
        foreach (var message in messages)
        {
            WorkMessage decoded;
            try
            {
                decoded = WorkMessageCodec.Decode(Encoding.UTF8.GetBytes(message.Body));
            }
            catch (FormatException ex)
            {
                Log.UndecodableMessage(_logger, message.MessageId, ex.Message);
                continue;
            }

            if (message.MessageAttributes is { } attributes && attributes.TryGetValue(TraceParentAttribute, out var trace) && !string.IsNullOrEmpty(trace.StringValue))
            {
                decoded = decoded with { TraceParent = trace.StringValue };
            }

            var count = message.Attributes is { } system && system.TryGetValue("ApproximateReceiveCount", out var value)
                && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
            received.Add(new ReceivedMessage(decoded, message.ReceiptHandle, count));
        }

        return received;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "SQS message {MessageId} is not a work message and is left for the dead-letter queue: {Reason}")]
        public static partial void UndecodableMessage(ILogger logger, string messageId, string reason);
    }
}
