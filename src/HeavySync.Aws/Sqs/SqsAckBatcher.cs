using System.Threading.Channels;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Storage;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// Gathers acknowledgements into DeleteMessageBatch requests of up to 10 receipt handles: a
/// batch closes when 10 are waiting or <see cref="SqsQueueOptions.AckLinger"/> after its first;
/// up to <see cref="SqsQueueOptions.MaxConcurrentBatches"/> deletes run at once. Each caller's task
/// completes when its own entry was deleted (or found already expired), so "ack after durable" holds.
/// </summary>
internal sealed class SqsAckBatcher : IAsyncDisposable
{
    private readonly SqsClient _client;
    private readonly Uri _queueUrl;
    private readonly SqsQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<PendingAck> _pending = Channel.CreateUnbounded<PendingAck>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots;
    private readonly Task _loop;

    public SqsAckBatcher(SqsClient client, Uri queueUrl, SqsQueueOptions options, TimeProvider time)
    {
        _client = client;
        _queueUrl = queueUrl;
        _options = options;
        _time = time;
        _slots = new SemaphoreSlim(options.MaxConcurrentBatches);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues a delete; the task completes when it is done.</summary>
    public Task AckAsync(string receiptHandle, CancellationToken cancellationToken)
    {
        var pending = new PendingAck(receiptHandle);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqsWorkQueue));
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends what is queued, waits for every delete in flight, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        for (var i = 0; i < _options.MaxConcurrentBatches; i++)
        {
            await _slots.WaitAsync().ConfigureAwait(false);
        }

        _slots.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<PendingAck>(SqsClient.MaxBatchEntries);
            Drain(reader, batch);
            if (batch.Count < SqsClient.MaxBatchEntries && _options.AckLinger > TimeSpan.Zero)
            {
                await Task.Delay(_options.AckLinger, _time).ConfigureAwait(false);
                Drain(reader, batch);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            await _slots.WaitAsync().ConfigureAwait(false);
            _ = FlushAsync(batch);
        }
    }

    private static void Drain(ChannelReader<PendingAck> reader, List<PendingAck> batch)
    {
        while (batch.Count < SqsClient.MaxBatchEntries && reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }

    private async Task FlushAsync(List<PendingAck> batch)
    {
        try
        {
            var entries = batch.Select((ack, i) => new DeleteMessageBatchEntry("a" + i, ack.ReceiptHandle)).ToList();
            // Not cancellable on purpose: each waiting caller may give up, but a delete already asked
            // for is sent (even while disposing) so acknowledged work is not delivered again.
            var result = await _client.DeleteMessageBatchAsync(_queueUrl, entries, CancellationToken.None).ConfigureAwait(false);
            var failed = result.Failed.ToDictionary(f => f.Id, StringComparer.Ordinal);
            for (var i = 0; i < batch.Count; i++)
            {
                if (failed.TryGetValue("a" + i, out var failure) && !SqsWorkQueue.IsExpiredLease(failure.Code))
                {
                    batch[i].Done.TrySetException(new StoreException(StoreErrorKind.Permanent, $"SQS DeleteMessageBatch: message not deleted: {failure.Code}"));
                }
                else
                {
                    batch[i].Done.TrySetResult();
                }
            }
        }
        catch (Exception ex)
        {
            foreach (var ack in batch)
            {
                ack.Done.TrySetException(ex);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private sealed class PendingAck(string receiptHandle)
    {
        public string ReceiptHandle { get; } = receiptHandle;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
