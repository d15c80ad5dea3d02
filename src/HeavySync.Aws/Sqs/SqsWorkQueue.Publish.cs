using System.Text;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Queue;

namespace HeavySync.Aws.Sqs;

public sealed partial class SqsWorkQueue
{
    /// <inheritdoc />
    /// <remarks>
    /// Packs the messages into SendMessageBatch requests of at most 10 entries and 256 KiB, sent
    /// <see cref="SqsQueueOptions.MaxConcurrentBatches"/> at a time. A message whose document alone
    /// exceeds 256 KiB is split into messages with fewer tasks. Failed entries are retried as
    /// <see cref="SqsClient.SendMessageBatchAsync"/> describes; on an exception some messages may have
    /// been sent (publishing again is safe: copiers skip finished tasks).
    /// </remarks>
    public async Task PublishAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ThrowIfDisposed();
        var entries = new List<(string Body, Dictionary<string, MessageAttributeValue>? Attributes, int Bytes)>();
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (message.Tasks is null)
            {
                throw new ArgumentException("a work message needs a task list", nameof(messages));
            }

            foreach (var part in FitToLimit(message))
            {
                entries.Add(part);
            }
        }

        var batches = Pack(entries);
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentBatches, CancellationToken = cancellationToken },
            async (batch, token) => await _client.SendMessageBatchAsync(_queueUrl, batch, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The message as one SQS message, or split by tasks until each part fits in 256 KiB.</summary>
    private static IEnumerable<(string Body, Dictionary<string, MessageAttributeValue>? Attributes, int Bytes)> FitToLimit(WorkMessage message)
    {
        var body = WorkMessageCodec.EncodeString(message);
        var attributes = message.TraceParent is { Length: > 0 } trace
            ? new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal) { [TraceParentAttribute] = new("String", trace) }
            : null;
        var bytes = Encoding.UTF8.GetByteCount(body) + AttributeBytes(attributes);
        if (bytes <= SqsClient.MaxBatchBytes || message.Tasks.Count <= 1)
        {
            // One task never comes near the limit (keys are at most 1 KiB); SQS refuses it otherwise.
            yield return (body, attributes, bytes);
            yield break;
        }

        var half = message.Tasks.Count / 2;
        foreach (var part in FitToLimit(message with { Tasks = [.. message.Tasks.Take(half)] }))
        {
            yield return part;
        }

        foreach (var part in FitToLimit(message with { Tasks = [.. message.Tasks.Skip(half)] }))
        {
            yield return part;
        }
    }

    /// <summary>Greedy packing in order: a batch closes at 10 entries or before it would pass 256 KiB.</summary>
    private static List<List<SendMessageBatchEntry>> Pack(List<(string Body, Dictionary<string, MessageAttributeValue>? Attributes, int Bytes)> entries)
    {
        var batches = new List<List<SendMessageBatchEntry>>();
        var current = new List<SendMessageBatchEntry>(SqsClient.MaxBatchEntries);
        var bytes = 0;
        foreach (var (body, attributes, size) in entries)
        {
            if (current.Count > 0 && (current.Count == SqsClient.MaxBatchEntries || bytes + size > SqsClient.MaxBatchBytes))
            {
                batches.Add(current);
                current = new List<SendMessageBatchEntry>(SqsClient.MaxBatchEntries);
                bytes = 0;
            }

            current.Add(new SendMessageBatchEntry("m" + current.Count, body, attributes));
            bytes += size;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    /// <summary>Attribute bytes as SQS counts them toward the size limit: name, type and value.</summary>
    private static int AttributeBytes(Dictionary<string, MessageAttributeValue>? attributes) =>
        attributes?.Sum(pair => Encoding.UTF8.GetByteCount(pair.Key) + Encoding.UTF8.GetByteCount(pair.Value.DataType) + Encoding.UTF8.GetByteCount(pair.Value.StringValue ?? string.Empty)) ?? 0;
}
