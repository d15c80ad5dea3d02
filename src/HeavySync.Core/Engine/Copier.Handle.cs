using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

public sealed partial class Copier
{
    /// <summary>How long a worker waits before asking the throttled governor for a slot again.</summary>
    private static readonly TimeSpan GovernorRetry = TimeSpan.FromMilliseconds(100);

    /// <summary>One worker: runs tasks of the held messages, oldest message first, until none is left to start.</summary>
    private async Task WorkerAsync(CancellationTokenSource hard)
    {
        var token = hard.Token;
        try
        {
            while (true)
            {
                // Throttling lowers the number of copies allowed to run at once.
                while (governor is not null && !governor.TryEnter())
                {
                    await Task.Delay(GovernorRetry, token).ConfigureAwait(false);
                }

                try
                {
                    var next = await TakeAsync(token).ConfigureAwait(false);
                    if (next is not { } work)
                    {
                        return;
                    }

                    await RunTaskAsync(work.Message, work.Task, token).ConfigureAwait(false);
                }
                finally
                {
                    governor?.Exit();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: by the caller, by the drain timeout, or by another worker's fatal error.
        }
        catch (Exception)
        {
            // A fatal error stops every worker of this role, not just this one.
            await hard.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next task to start, oldest message first; null once receiving is over and nothing is left to start.</summary>
    private async Task<(HeldMessage Message, WorkTask Task)?> TakeAsync(CancellationToken token)
    {
        while (true)
        {
            Task wake;
            lock (gate)
            {
                foreach (var entry in held)
                {
                    if (!entry.Closed && !entry.Settling && entry.Context is not null && entry.Unstarted.TryDequeue(out var task))
                    {
                        unstarted--;
                        entry.Started++;
                        entry.Running++;
                        Signal();
                        return (entry, task);
                    }
                }

                if (receivingDone)
                {
                    return null;
                }

                wake = changed.Task;
            }

            await wake.WaitAsync(token).ConfigureAwait(false);
        }
    }

    /// <summary>Copies running over every held message (under <c>gate</c>).</summary>
    private int RunningCopies()
    {
        var running = 0;
        foreach (var entry in held)
        {
            running += entry.Running;
        }

        return running;
    }

    /// <summary>Copies one task and records its outcome; the message settles once its last task ended.</summary>
    private async Task RunTaskAsync(HeldMessage entry, WorkTask task, CancellationToken token)
    {
        var received = entry.Received;
        var context = entry.Context!;
        try
        {
            using (AmbientActivity.Enter(entry.Activity))
            {
                TaskOutcome outcome;
                try
                {
                    outcome = await context.Executor.CopyAsync(task, token).ConfigureAwait(false);
                }
                catch (StoreException ex) when (ex.IsRetryable && received.DeliveryCount < options.MaxDeliveries)
                {
                    // Leave this and the message's unstarted tasks for a later delivery; what is done stays done.
                    Close(entry, Settlement.Retry, ex);
                    return;
                }
                catch (StoreException ex) when (ex.IsRetryable)
                {
                    outcome = new TaskOutcome(task.TaskId, WorkTaskStatus.Failed, null, $"gave up after {received.DeliveryCount} attempts: {ex.Message}");
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Drain timeout or abort: keep what finished, hand the rest back at once.
                    Close(entry, Settlement.Release);
                    throw;
                }

                Account(task, outcome);
                bool alone;
                lock (gate)
                {
                    // No other copy running or waiting to start: no outcome is coming to share its write.
                    alone = unstarted == 0 && RunningCopies() == 1;
                }

                var recorded = context.Outcomes.RecordAsync(received.Message.RunId, outcome, alone);
                lock (gate)
                {
                    entry.Recorded.Add(recorded);
                }
            }
        }
        finally
        {
            bool finished;
            lock (gate)
            {
                entry.Running--;
                finished = entry.IsFinished && !entry.Settling;
                if (finished)
                {
                    entry.Settling = true;
                }
            }

            if (finished)
            {
                StartSettling(entry);
            }
        }
    }

    /// <summary>Stops starting the message's tasks (the rest stay pending).</summary>
    private void Close(HeldMessage entry, Settlement settlement, StoreException? retryable = null)
    {
        lock (gate)
        {
            unstarted -= entry.Unstarted.Count;
            entry.Unstarted.Clear();
            entry.Close(settlement, retryable);
            Signal();
        }
    }

    /// <summary>Settles a message that has nothing (more) to run.</summary>
    private void Finish(HeldMessage entry)
    {
        lock (gate)
        {
            if (entry.Settling)
            {
                return;
            }

            entry.Settling = true;
        }

        StartSettling(entry);
    }

    /// <summary>Hands back every message still held when the workers have stopped (drain timeout, fatal error).</summary>
    private void SettleRemaining()
    {
        List<HeldMessage> remaining;
        lock (gate)
        {
            remaining = [.. held.Where(e => !e.Settling)];
            foreach (var entry in remaining)
            {
                unstarted -= entry.Unstarted.Count;
                entry.Unstarted.Clear();
                entry.Close(Settlement.Release);
                entry.Settling = true;
            }
        }

        foreach (var entry in remaining)
        {
            StartSettling(entry);
        }
    }

    /// <summary>
    /// Acknowledges (batched) once the outcomes are durable, or releases, without holding a worker:
    /// it moves on while the outcome writer commits.
    /// </summary>
    private void StartSettling(HeldMessage entry)
    {
        var settle = SettleAsync(entry);
        settling.TryAdd(settle, 0);
        _ = settle.ContinueWith(
            done => settling.TryRemove(done, out _),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task SettleAsync(HeldMessage entry)
    {
        var received = entry.Received;
        try
        {
            List<Task> recorded;
            lock (gate)
            {
                recorded = [.. entry.Recorded];
            }

            await Task.WhenAll(recorded).ConfigureAwait(false);
            switch (entry.Settlement)
            {
                case Settlement.Ack:
                    await acks!.AckAsync(received).ConfigureAwait(false);
                    break;
                case Settlement.Retry:
                    var retryable = entry.Retryable!;
                    LogRedelivery(received.DeliveryCount, retryable.Message);
                    HeavySyncTelemetry.Retries.Add(1,
                        new KeyValuePair<string, object?>(TelemetryTags.Layer, "redelivery"),
                        new KeyValuePair<string, object?>(TelemetryTags.ErrorKind, retryable.Kind.ToString()));
                    var delay = retryable.RetryAfter ?? TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, received.DeliveryCount)));
                    await queue.ReleaseAsync(received, delay, CancellationToken.None).ConfigureAwait(false);
                    break;
                default:
                    await queue.ReleaseAsync(received, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex)
        {
            // The state store or the queue failed: nothing more can be recorded, so stop the role.
            Interlocked.CompareExchange(ref settleFailure, ex, null);
            try
            {
                await stopAll!.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // The role already finished.
            }
        }
        finally
        {
            lock (gate)
            {
                held.Remove(entry);
                Signal();
            }

            entry.Activity?.Dispose();
        }
    }

    private void Account(WorkTask task, TaskOutcome outcome)
    {
        switch (outcome.Status)
        {
            case WorkTaskStatus.Done:
                progress.AddCopied();
                HeavySyncTelemetry.ObjectsCopied.Add(1);
                HeavySyncTelemetry.BytesCopied.Add(task.Size);
                break;
            case WorkTaskStatus.Vanished:
                progress.AddVanished();
                CountSkipped(task, "vanished");
                LogVanished(task.Key.Length);
                break;
            case WorkTaskStatus.Failed:
                progress.AddFailed();
                HeavySyncTelemetry.ObjectsFailed.Add(1);
                HeavySyncTelemetry.BytesFailed.Add(task.Size);
                LogFailed(outcome.Error ?? "unknown error");
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch will be retried (delivery {Delivery}): {Cause}")]
    private partial void LogRedelivery(int delivery, string cause);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Source object vanished since listing (key of {Length} characters); skipped")]
    private partial void LogVanished(int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy failed: {Cause}")]
    private partial void LogFailed(string cause);
}
