using System.Threading.Channels;
using HeavySync.State;

namespace HeavySync.Engine;

/// <summary>
/// Batches task outcomes into few state-store transactions (one per run per up to 2,000 outcomes or
/// per flush interval); one writer serves every run a copier works on. <see cref="RecordAsync"/> completes only once the outcome is durable, so a caller that
/// acknowledges a queue message afterwards never loses an outcome; a crash loses at most the
/// unflushed batch, whose tasks are simply done again on resume.
/// </summary>
public sealed class OutcomeWriter : IAsyncDisposable
{
    private const int MaxBatch = 2_000;
    private readonly IStateStore state;
    private readonly TimeSpan flushInterval;
    private readonly Channel<Pending> pending = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private readonly Task loop;

    public OutcomeWriter(IStateStore state, TimeSpan? flushInterval = null)
    {
        this.state = state;
        this.flushInterval = flushInterval ?? TimeSpan.FromMilliseconds(50);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Queues an outcome of a task of <paramref name="runId"/>; the task completes when it is durable (or faults with the store's error).</summary>
    public Task RecordAsync(long runId, TaskOutcome outcome)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!pending.Writer.TryWrite(new Pending(runId, outcome, done)))
        {
            done.SetException(new InvalidOperationException("outcome writer is closed"));
        }

        return done.Task;
    }

    /// <summary>Flushes what is queued and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain(batch);
            if (batch.Count < MaxBatch)
            {
                // Give concurrent copiers a moment to join this transaction.
                await Task.Delay(flushInterval).ConfigureAwait(false);
                Drain(batch);
            }

            foreach (var run in batch.GroupBy(b => b.RunId))
            {
                try
                {
                    await state.CompleteTasksAsync(run.Key, run.Select(b => b.Outcome).ToList(), CancellationToken.None).ConfigureAwait(false);
                    foreach (var item in run)
                    {
                        item.Done.TrySetResult();
                    }
                }
                catch (Exception ex)
                {
                    foreach (var item in run)
                    {
                        item.Done.TrySetException(ex);
                    }
                }
            }

            batch.Clear();
        }
    }

    private void Drain(List<Pending> batch)
    {
        while (batch.Count < MaxBatch && pending.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }

    private sealed record Pending(long RunId, TaskOutcome Outcome, TaskCompletionSource Done);
}
