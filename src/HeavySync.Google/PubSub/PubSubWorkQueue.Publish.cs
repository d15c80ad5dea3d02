using HeavySync.Queue;

namespace HeavySync.Google.PubSub;

public sealed partial class PubSubWorkQueue
{
    /// <summary>JSON framing around one message's data and attributes, generously counted.</summary>
    private const int FramingBytes = 64;

    /// <inheritdoc />
    /// <remarks>Never waits for room (Pub/Sub is unbounded). Requests go one after another, each
    /// within Pub/Sub's limits; a failure after some requests leaves those published (harmless:
    /// delivery is at-least-once and copiers skip finished tasks).</remarks>
    public async Task PublishAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var topic = await TopicAsync(cancellationToken).ConfigureAwait(false);
        var batch = new List<PubSubWire.OutgoingMessage>(Math.Min(messages.Count, _options.MaxMessagesPerPublish));
        long batchBytes = 0;
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message);
            var outgoing = Encode(message);
            var size = outgoing.Data.Length + (message.TraceParent?.Length ?? 0) + FramingBytes;
            if (size > _options.MaxBytesPerPublish)
            {
                throw new ArgumentException($"a work message of {size} bytes exceeds the Pub/Sub request limit; lower the tasks per message", nameof(messages));
            }

            if (batch.Count > 0 && (batch.Count >= _options.MaxMessagesPerPublish || batchBytes + size > _options.MaxBytesPerPublish))
            {
                await _client.PublishAsync(topic, batch, cancellationToken).ConfigureAwait(false);
                batch = new List<PubSubWire.OutgoingMessage>(batch.Count);
                batchBytes = 0;
            }

            batch.Add(outgoing);
            batchBytes += size;
        }

        await _client.PublishAsync(topic, batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The document as base64 data; the trace context also as an attribute.</summary>
    internal static PubSubWire.OutgoingMessage Encode(WorkMessage message)
    {
        var data = Convert.ToBase64String(WorkMessageCodec.Encode(message));
        var attributes = message.TraceParent is { Length: > 0 } traceParent
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [TraceParentAttribute] = traceParent }
            : null;
        return new PubSubWire.OutgoingMessage(data, attributes);
    }
}
