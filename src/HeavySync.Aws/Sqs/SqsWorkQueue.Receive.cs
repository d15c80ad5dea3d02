using System.Globalization;
using System.Text;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Queue;
using Microsoft.Extensions.Logging;

namespace HeavySync.Aws.Sqs;

public sealed partial class SqsWorkQueue
{
    private static readonly string[] SystemAttributes = ["ApproximateReceiveCount"];
    private static readonly string[] MessageAttributes = [TraceParentAttribute];

    /// <summary>Pause between short polls when less than a second of the wait remains (SQS long polls count whole seconds).</summary>
    private static readonly TimeSpan ShortPollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    /// <remarks>
    /// At most 10 per call (SQS's limit). Waits of a second or more long poll (20 s at most per
    /// request); the sub-second rest is covered by short polls. A message whose body is not a work
    /// message is logged and left leased: it comes back and, with a RedrivePolicy, ends in the
    /// dead-letter queue.
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
            var waitSeconds = remaining >= TimeSpan.FromSeconds(1) ? (int)Math.Min(Math.Floor(remaining.TotalSeconds), _options.MaxWaitPerPoll.TotalSeconds) : 0;
            var request = new ReceiveRequest(Math.Min(maxMessages, SqsClient.MaxBatchEntries), waitSeconds, _visibilitySeconds, MessageAttributes, SystemAttributes);
            var messages = await _client.ReceiveMessageAsync(_queueUrl, request, cancellationToken).ConfigureAwait(false);
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
