using System.Diagnostics;
using System.Threading.Channels;
using HeavySync.State;

namespace HeavySync.Engine;

/// <summary>
/// Batches task outcomes into few state-store transactions (one per run per up to 2,000 outcomes or
/// per flush interval); one writer serves every run a copier works on. <see cref="RecordAsync"/> completes only once the outcome is durable, so a caller that
/// acknowledges a queue message afterwards never loses an outcome; a crash loses at most the
/// unflushed batch, whose tasks are simply done again on resume.
/// <para>A batch waits for more outcomes only while they keep coming: it is written once no new one
/// arrived for the idle gap (default 5 ms), or at the flush interval (default 50 ms) since its first.
/// Copies finishing together share a transaction; a lone outcome (a large object, the last copy of a
/// run) does not wait out the whole interval, which every run paid at its end; one recorded as
/// alone (the caller knows no other copy is running) does not wait at all.</para>
/// </summary>
public sealed class OutcomeWriter : IAsyncDisposable
{
    private const int MaxBatch = 2_000;
    private readonly IStateStore state;
    private readonly TimeSpan flushInterval;
    private readonly TimeSpan idleGap;
    private readonly Channel<Pending> pending = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private readonly Task loop;

    /// <param name="state">Where outcomes are written.</param>
    /// <param name="flushInterval">The longest a batch waits for more outcomes after its first (default 50 ms).</param>
    /// <param name="idleGap">A batch is written once no outcome arrived for this long (default 5 ms).</param>
    public OutcomeWriter(IStateStore state, TimeSpan? flushInterval = null, TimeSpan? idleGap = null)
    {
        this.state = state;
        this.flushInterval = flushInterval ?? TimeSpan.FromMilliseconds(50);
        this.idleGap = idleGap ?? TimeSpan.FromMilliseconds(5);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Queues an outcome of a task of <paramref name="runId"/>; the task completes when it is durable (or faults with the store's error).</summary>
    /// <param name="runId">The task's run.</param>
    /// <param name="outcome">The outcome.</param>
    /// <param name="alone">No other outcome is coming soon (no other copy is running): written at
    /// once, with whatever is queued already, instead of waiting for company.</param>
    public Task RecordAsync(long runId, TaskOutcome outcome, bool alone = false)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!pending.Writer.TryWrite(new Pending(runId, outcome, done, alone)))
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
            if (!batch[^1].Alone)
            {
                await LingerAsync(batch).ConfigureAwait(false);
            }

            // Usually one run (a copier serving several jobs mixes them). Plain lists, not LINQ's
            // grouping over a long key, which has no precompiled code: the first batch of a run
            // would compile it at run time, at the end of a one-object sync.
            var runIds = new List<long>();
            foreach (var item in batch)
            {
                if (!runIds.Contains(item.RunId))
                {
                    runIds.Add(item.RunId);
                }
            }

            foreach (var runId in runIds)
            {
                var run = batch.FindAll(b => b.RunId == runId);
                try
                {
                    await state.CompleteTasksAsync(runId, run.ConvertAll(b => b.Outcome), CancellationToken.None).ConfigureAwait(false);
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

    /// <summary>Lets concurrent copies join the batch while their outcomes keep arriving.</summary>
    private async Task LingerAsync(List<Pending> batch)
    {
        var started = Stopwatch.GetTimestamp();
        // One timer for the batch, pushed back as each outcome arrives (not one per arrival).
        using var idle = new CancellationTokenSource();
        while (batch.Count < MaxBatch)
        {
            var left = flushInterval - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            idle.CancelAfter(left < idleGap ? left : idleGap);
            try
            {
                if (!await pending.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false))
                {
                    return; // closed: write what is here
                }
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested)
            {
                return; // nothing new for the idle gap
            }

            Drain(batch);
            if (batch[^1].Alone)
            {
                return; // its copier knows no other outcome is coming
            }
        }
    }

    private void Drain(List<Pending> batch)
    {
        while (batch.Count < MaxBatch && pending.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }

    private sealed record Pending(long RunId, TaskOutcome Outcome, TaskCompletionSource Done, bool Alone);
}
