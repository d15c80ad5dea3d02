using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

public sealed partial class Copier
{
    // How long a message of another run waits before it is offered again (a queue shared with other processes).
    private static readonly TimeSpan ForeignMessageDelay = TimeSpan.FromSeconds(1);

    private async Task HandleAsync(ReceivedMessage received, ActivityContext receive, CancellationTokenSource hard)
    {
        var token = hard.Token;
        var message = received.Message;
        using var activity = StartProcessActivity(received, receive);

        if (!contexts.Serves(message))
        {
            await queue.ReleaseAsync(received, ForeignMessageDelay, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var context = await contexts.GetAsync(message, token).ConfigureAwait(false);
        if (context is null)
        {
            LogObsolete(message.JobId, message.RunId);
            await queue.AckAsync(received, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(token);
        var renewing = RenewLeaseAsync(received, heartbeat.Token);
        var recorded = new List<Task>(message.Tasks.Count);
        var settlement = Settlement.Ack;
        StoreException? retryable = null;
        try
        {
            // At-least-once delivery: a task finished by an earlier delivery (or a duplicate) is skipped.
            var pending = await state.FilterPendingAsync(message.RunId, message.Tasks.Select(t => t.TaskId).ToList(), token).ConfigureAwait(false);
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

                TaskOutcome outcome;
                try
                {
                    outcome = await context.Executor.CopyAsync(task, token).ConfigureAwait(false);
                }
                catch (StoreException ex) when (ex.IsRetryable)
                {
                    if (received.DeliveryCount < options.MaxDeliveries)
                    {
                        // Leave this and the remaining tasks for a later delivery; what is done stays done.
                        retryable = ex;
                        settlement = Settlement.Retry;
                        break;
                    }

                    outcome = new TaskOutcome(task.TaskId, WorkTaskStatus.Failed, null, $"gave up after {received.DeliveryCount} attempts: {ex.Message}");
                }

                Account(task, outcome);
                recorded.Add(context.Outcomes.RecordAsync(message.RunId, outcome));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Drain timeout or abort: keep what finished, hand the rest back at once.
            settlement = Settlement.Release;
        }
        finally
        {
            await heartbeat.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
        }

        // Acknowledge once the outcomes are durable, without holding this worker: it moves on to the
        // next message while the outcome writer commits the batch.
        await settleSlots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        var settle = SettleAsync(received, recorded, settlement, retryable, hard);
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

    private async Task RenewLeaseAsync(ReceivedMessage received, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.LeaseRenewInterval, cancellationToken).ConfigureAwait(false);
                await queue.ExtendLeaseAsync(received, options.LeaseRenewInterval * 2, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The message is settled: no more renewals.
        }
        catch (Exception ex)
        {
            // A missed renewal risks a duplicate delivery, which is harmless (invariant 2).
            LogRenewFailed(ex.Message);
        }
    }

    private async Task SettleAsync(ReceivedMessage received, List<Task> recorded, Settlement settlement, StoreException? retryable, CancellationTokenSource hard)
    {
        try
        {
            await Task.WhenAll(recorded).ConfigureAwait(false);
            switch (settlement)
            {
                case Settlement.Ack:
                    await queue.AckAsync(received, CancellationToken.None).ConfigureAwait(false);
                    break;
                case Settlement.Retry:
                    LogRedelivery(received.DeliveryCount, retryable!.Message);
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
            // The state store failed: nothing more can be recorded, so stop the role.
            Interlocked.CompareExchange(ref settleFailure, ex, null);
            try
            {
                await hard.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // The role already finished.
            }
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

    private enum Settlement
    {
        Ack,
        Retry,
        Release,
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch will be retried (delivery {Delivery}): {Cause}")]
    private partial void LogRedelivery(int delivery, string cause);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Source object vanished since listing (key of {Length} characters); skipped")]
    private partial void LogVanished(int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy failed: {Cause}")]
    private partial void LogFailed(string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped a message of job {Job} run {Run}: the job no longer exists")]
    private partial void LogObsolete(long job, long run);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew a message lease: {Cause}")]
    private partial void LogRenewFailed(string cause);
}
