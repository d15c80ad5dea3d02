using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

public sealed partial class Copier
{
    // How long a message of another run waits before it is offered again (a queue shared with other processes).
    private static readonly TimeSpan ForeignMessageDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The copier's one receive loop. It receives when the tasks not yet started fall to
    /// <see cref="CopierOptions.Concurrency"/> (the workers would soon run dry) and asks for as many
    /// messages as bring them back to twice that, by the tasks per message seen so far (one message
    /// at first), within <see cref="CopierOptions.MaxMessagesHeld"/>; the queue caps it at its own
    /// limit per request. Ends when <paramref name="isFinished"/> says so, on a stop, or on a fatal error.
    /// </summary>
    private async Task ReceiveLoopAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationToken soft, CancellationTokenSource hard)
    {
        var pause = TimeSpan.Zero;
        try
        {
            while (!soft.IsCancellationRequested)
            {
                var want = await WaitForRoomAsync(soft).ConfigureAwait(false);

                // Asked before receiving, not after an empty receive: once the last task settled, the
                // run ends now instead of after one more receive's wait on an empty queue.
                if (HeldCount() == 0 && await isFinished(soft).ConfigureAwait(false))
                {
                    return;
                }

                // Span times run on the system clock, as every Activity's do (not the injectable one).
                var receiving = DateTimeOffset.UtcNow;
                var received = await queue.ReceiveAsync(want, options.ReceiveWait, soft).ConfigureAwait(false);
                if (received.Count == 0)
                {
                    if (HeldCount() == 0)
                    {
                        pause = TimeSpan.Zero;
                        continue;
                    }

                    // The queue ran dry while the workers are busy: look again less and less often.
                    pause = pause == TimeSpan.Zero ? options.ReceiveWait : pause * 2;
                    pause = pause < options.BusyReceivePause ? pause : options.BusyReceivePause;
                    await PauseWhileHoldingAsync(pause, soft).ConfigureAwait(false);
                    continue;
                }

                pause = TimeSpan.Zero;

                var receive = RecordReceive(receiving, received.Count);
                foreach (var message in received)
                {
                    await PrepareAsync(message, receive, hard.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (soft.IsCancellationRequested)
        {
            // Stopped: by the caller, by the drain timeout, or by a fatal error elsewhere.
        }
        catch (Exception)
        {
            // A fatal error (a queue or state failure, a fatal store error) stops the whole role.
            await hard.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            await StopReceivingAsync(soft.IsCancellationRequested).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until there is room for more work; returns how many messages to ask for.</summary>
    private async Task<int> WaitForRoomAsync(CancellationToken cancellationToken)
    {
        var concurrency = Math.Max(1, options.Concurrency);
        while (true)
        {
            Task wake;
            lock (gate)
            {
                var room = options.MaxMessagesHeld - held.Count;
                if (room > 0 && unstarted <= concurrency)
                {
                    var perMessage = tasksPerMessage ?? double.PositiveInfinity;
                    var wanted = (int)Math.Ceiling((2 * concurrency - unstarted) / perMessage);
                    return Math.Clamp(wanted, 1, room);
                }

                wake = changed.Task;
            }

            await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits <paramref name="pause"/>, or less once nothing is held any more.</summary>
    private async Task PauseWhileHoldingAsync(TimeSpan pause, CancellationToken cancellationToken)
    {
        if (pause <= TimeSpan.Zero)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(pause);
        try
        {
            while (true)
            {
                Task wake;
                lock (gate)
                {
                    if (held.Count == 0)
                    {
                        return;
                    }

                    wake = changed.Task;
                }

                await wake.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The pause is over.
        }
    }

    private int HeldCount()
    {
        lock (gate)
        {
            return held.Count;
        }
    }

    /// <summary>
    /// Takes one received message into the buffer: skips tasks done by an earlier delivery, hands back
    /// messages of other runs, acknowledges messages of deleted jobs and messages with nothing left to do.
    /// </summary>
    private async Task PrepareAsync(ReceivedMessage received, System.Diagnostics.ActivityContext receive, CancellationToken token)
    {
        var message = received.Message;
        lock (gate)
        {
            // The average task count per message steers how many messages the next receive asks for.
            tasksPerMessage = tasksPerMessage is { } seen ? (seen + message.Tasks.Count) / 2 : Math.Max(1, message.Tasks.Count);
        }

        if (!contexts.Serves(message))
        {
            await queue.ReleaseAsync(received, ForeignMessageDelay, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var entry = new HeldMessage(received, clock.GetTimestamp()) { Activity = StartProcessActivity(received, receive) };
        lock (gate)
        {
            held.Add(entry);
        }

        // Opening the job's stores (their first requests) and the state lookup belong to this
        // message's trace, as its copies do.
        CopyContext? context;
        IReadOnlySet<long>? pending = null;
        using (AmbientActivity.Enter(entry.Activity))
        {
            context = await contexts.GetAsync(message, token).ConfigureAwait(false);
            if (context is not null)
            {
                // At-least-once delivery: a task finished by an earlier delivery (or a duplicate) is skipped.
                pending = await state.FilterPendingAsync(message.RunId, message.Tasks.Select(t => t.TaskId).ToList(), token).ConfigureAwait(false);
            }
        }

        if (context is null || pending is null)
        {
            LogObsolete(message.JobId, message.RunId);
            Finish(entry);
            return;
        }

        lock (gate)
        {
            entry.Context = context;
            foreach (var task in message.Tasks)
            {
                if (task.Action != TaskAction.Copy)
                {
                    continue;
                }

                if (!pending.Contains(task.TaskId))
                {
                    CountSkipped(task, "done");
                    continue;
                }

                entry.Unstarted.Enqueue(task);
                unstarted++;
            }

            Signal();
        }

        if (entry.Unstarted.Count == 0)
        {
            Finish(entry);
        }
    }

    /// <summary>
    /// The loop ends: workers stop once nothing is left to start. On a stop, buffered messages no
    /// task of which has started are handed back at once, in one request.
    /// </summary>
    private async Task StopReceivingAsync(bool stopping)
    {
        List<HeldMessage> untouched = [];
        lock (gate)
        {
            receivingDone = true;
            if (stopping)
            {
                foreach (var entry in held.Where(e => e.Context is not null && e.Started == 0 && !e.Settling))
                {
                    entry.Settling = true;
                    unstarted -= entry.Unstarted.Count;
                    entry.Unstarted.Clear();
                    untouched.Add(entry);
                }
            }

            Signal();
        }

        if (untouched.Count == 0)
        {
            return;
        }

        try
        {
            await queue.ReleaseBatchAsync([.. untouched.Select(e => e.Received)], TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not handed back: they come back when their leases end.
            LogReleaseFailed(ex.Message);
        }
        finally
        {
            lock (gate)
            {
                foreach (var entry in untouched)
                {
                    held.Remove(entry);
                    entry.Activity?.Dispose();
                }

                Signal();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped a message of job {Job} run {Run}: the job no longer exists")]
    private partial void LogObsolete(long job, long run);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand back buffered messages: {Cause}")]
    private partial void LogReleaseFailed(string cause);
}
