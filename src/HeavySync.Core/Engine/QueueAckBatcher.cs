using System.Threading.Channels;
using HeavySync.Queue;

namespace HeavySync.Engine;

/// <summary>
/// Gathers a copier's acknowledgements into <see cref="IWorkQueue.AckBatchAsync"/> calls: a batch
/// closes the linger after its first acknowledgement (at once for zero) or at
/// <see cref="MaxBatch"/>. Each caller's task completes when its message was acknowledged (or faults
/// with the queue's error), so "acknowledge only after the outcomes are durable" still holds.
/// </summary>
internal sealed class QueueAckBatcher : IAsyncDisposable
{
    /// <summary>Most acknowledgements per call (the adapters split further where their API needs it).</summary>
    public const int MaxBatch = 500;

    private readonly IWorkQueue queue;
    private readonly TimeSpan linger;
    private readonly TimeProvider time;
    private readonly Channel<(ReceivedMessage Message, TaskCompletionSource Done)> pending =
        Channel.CreateUnbounded<(ReceivedMessage, TaskCompletionSource)>(new() { SingleReader = true });
    private readonly Task loop;

    public QueueAckBatcher(IWorkQueue queue, TimeSpan linger, TimeProvider time)
    {
        this.queue = queue;
        this.linger = linger;
        this.time = time;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Queues an acknowledgement; completes once it is done.</summary>
    public Task AckAsync(ReceivedMessage message)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!pending.Writer.TryWrite((message, done)))
        {
            done.SetException(new ObjectDisposedException(nameof(QueueAckBatcher)));
        }

        return done.Task;
    }

    /// <summary>Sends what is queued and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<(ReceivedMessage Message, TaskCompletionSource Done)>();
        while (await pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain(batch);
            if (batch.Count < MaxBatch && linger > TimeSpan.Zero)
            {
                try
                {
                    // Closing (dispose) ends the linger: what waits is sent now.
                    await Task.WhenAny(Task.Delay(linger, time), pending.Reader.Completion).ConfigureAwait(false);
                }
                finally
                {
                    Drain(batch);
                }
            }

            try
            {
                await queue.AckBatchAsync([.. batch.Select(b => b.Message)], CancellationToken.None).ConfigureAwait(false);
                batch.ForEach(b => b.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(b => b.Done.TrySetException(ex));
            }

            batch.Clear();
        }
    }

    private void Drain(List<(ReceivedMessage Message, TaskCompletionSource Done)> batch)
    {
        while (batch.Count < MaxBatch && pending.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }
}
