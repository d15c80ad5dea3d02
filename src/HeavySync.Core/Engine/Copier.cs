using System.Collections.Concurrent;
using System.Diagnostics;
using HeavySync.Copy;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>
/// The copier role: receives messages, executes their tasks, records outcomes durably, then
/// acknowledges. A transient failure leaves the message for redelivery with backoff; once a
/// message has been delivered <see cref="SyncOptions.MaxDeliveries"/> times its remaining tasks are
/// recorded failed (the dead letter). Fatal store errors stop the role.
/// </summary>
public sealed partial class Copier(
    IWorkQueue queue,
    CopyExecutor executor,
    OutcomeWriter outcomes,
    IStateStore state,
    SyncOptions options,
    SyncProgress progress,
    ILogger logger,
    ConcurrencyGovernor? governor = null)
{
    private static readonly TimeSpan ReceiveWait = TimeSpan.FromMilliseconds(200);

    // Messages whose outcomes are still on their way to the state store; bounded so a slow store
    // slows the copiers down instead of piling up unacknowledged work.
    private readonly SemaphoreSlim settleSlots = new(Math.Max(16, options.Concurrency * 8));
    private readonly ConcurrentDictionary<Task, byte> settling = new();
    private Exception? settleFailure;

    /// <summary>
    /// Runs <see cref="SyncOptions.Concurrency"/> workers until <paramref name="isFinished"/> says the
    /// queue will not get more work and it is empty, or until cancelled.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, Math.Max(1, options.Concurrency))
            .Select(_ => Task.Run(() => WorkerAsync(isFinished, stop), CancellationToken.None))
            .ToArray();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            await Task.WhenAll(settling.Keys).ConfigureAwait(false);
        }

        if (settleFailure is not null)
        {
            throw settleFailure;
        }
    }

    private async Task WorkerAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationTokenSource stop)
    {
        var token = stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                // Throttling lowers the number of workers allowed to hold a message.
                if (governor is not null && !governor.TryEnter())
                {
                    await Task.Delay(ReceiveWait, token).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    // Span times run on the system clock, as every Activity's do (not the injectable one).
                    var receiving = DateTimeOffset.UtcNow;
                    var received = await queue.ReceiveAsync(1, ReceiveWait, token).ConfigureAwait(false);
                    if (received.Count == 0)
                    {
                        if (await isFinished(token).ConfigureAwait(false))
                        {
                            return;
                        }

                        continue;
                    }

                    var receive = RecordReceive(receiving, received.Count);
                    foreach (var message in received)
                    {
                        await HandleAsync(message, receive, stop, token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    governor?.Exit();
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fatal error stops every worker of this role, not just this one.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task HandleAsync(ReceivedMessage received, ActivityContext receive, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        using var activity = StartProcessActivity(received, receive);
        var recorded = new List<Task>(received.Message.Tasks.Count);
        StoreException? retryable = null;

        // At-least-once delivery: a task finished by an earlier delivery (or a duplicate) is skipped.
        var pending = await state.FilterPendingAsync(
            received.Message.RunId, received.Message.Tasks.Select(t => t.TaskId).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var task in received.Message.Tasks)
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

            TaskOutcome outcome;
            try
            {
                outcome = await executor.CopyAsync(task, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException ex) when (ex.IsRetryable)
            {
                if (received.DeliveryCount < options.MaxDeliveries)
                {
                    // Leave this and the remaining tasks for a later delivery; what is done stays done.
                    retryable = ex;
                    break;
                }

                outcome = new TaskOutcome(task.TaskId, WorkTaskStatus.Failed, null, $"gave up after {received.DeliveryCount} attempts: {ex.Message}");
            }

            Account(task, outcome);
            recorded.Add(outcomes.RecordAsync(outcome));
        }

        // Acknowledge once the outcomes are durable, without holding this worker: it moves on to the
        // next message while the outcome writer commits the batch.
        await settleSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var settle = SettleAsync(received, recorded, retryable, stop);
        settling.TryAdd(settle, 0);
        _ = settle.ContinueWith(
            done =>
            {
                settling.TryRemove(done, out _);
                settleSlots.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task SettleAsync(ReceivedMessage received, List<Task> recorded, StoreException? retryable, CancellationTokenSource stop)
    {
        try
        {
            await Task.WhenAll(recorded).ConfigureAwait(false);
            if (retryable is null)
            {
                await queue.AckAsync(received, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            LogRedelivery(received.DeliveryCount, retryable.Message);
            HeavySyncTelemetry.Retries.Add(1,
                new KeyValuePair<string, object?>(TelemetryTags.Layer, "redelivery"),
                new KeyValuePair<string, object?>(TelemetryTags.ErrorKind, retryable.Kind.ToString()));
            var delay = retryable.RetryAfter ?? TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, received.DeliveryCount)));
            await queue.ReleaseAsync(received, delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The state store failed: nothing more can be recorded, so stop the role.
            Interlocked.CompareExchange(ref settleFailure, ex, null);
            await stop.CancelAsync().ConfigureAwait(false);
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
