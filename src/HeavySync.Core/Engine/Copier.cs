using System.Collections.Concurrent;
using HeavySync.Queue;
using HeavySync.State;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>
/// The copier role: receives messages, executes their tasks, records outcomes durably, then
/// acknowledges. A transient failure leaves the message for redelivery with backoff; once a
/// message has been delivered <see cref="CopierOptions.MaxDeliveries"/> times its remaining tasks are
/// recorded failed (the dead letter). Fatal store errors stop the role. Leases of messages still
/// being worked on are renewed, so a long copy is not redelivered to another copier.
/// </summary>
public sealed partial class Copier(
    IWorkQueue queue,
    ICopyContextSource contexts,
    IStateStore state,
    CopierOptions options,
    SyncProgress progress,
    ILogger logger,
    ConcurrencyGovernor? governor = null)
{
    // Messages whose outcomes are still on their way to the state store; bounded so a slow store
    // slows the copiers down instead of piling up unacknowledged work.
    private readonly SemaphoreSlim settleSlots = new(Math.Max(16, options.Concurrency * 8));
    private readonly ConcurrentDictionary<Task, byte> settling = new();
    private Exception? settleFailure;

    /// <summary>
    /// Runs <see cref="CopierOptions.Concurrency"/> workers until <paramref name="isFinished"/> says the
    /// queue will not get more work and it is empty, or until cancelled; cancellation stops at once.
    /// </summary>
    public Task RunAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationToken cancellationToken) =>
        RunAsync(isFinished, cancellationToken, cancellationToken);

    /// <summary>
    /// Runs until <paramref name="isFinished"/> says so, or gracefully stops when
    /// <paramref name="stopReceiving"/> fires (SIGTERM): no new message is taken, messages in flight get
    /// <see cref="CopierOptions.DrainTimeout"/> to finish, then their copies are cancelled and the
    /// messages released for redelivery. <paramref name="abort"/> cancels in-flight work at once.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationToken stopReceiving, CancellationToken abort)
    {
        using var hard = CancellationTokenSource.CreateLinkedTokenSource(abort);
        using var soft = CancellationTokenSource.CreateLinkedTokenSource(stopReceiving, hard.Token);
        using var drain = stopReceiving.Register(() =>
        {
            LogDraining(options.DrainTimeout.TotalSeconds);
            TryCancelAfter(hard, options.DrainTimeout);
        });
        var workers = Enumerable.Range(0, Math.Max(1, options.Concurrency))
            .Select(_ => Task.Run(() => WorkerAsync(isFinished, soft.Token, hard), CancellationToken.None))
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

        // A stop that was asked for ends the role normally; an abort is the caller's cancellation.
        abort.ThrowIfCancellationRequested();
    }

    private static void TryCancelAfter(CancellationTokenSource source, TimeSpan delay)
    {
        try
        {
            source.CancelAfter(delay);
        }
        catch (ObjectDisposedException)
        {
            // The role already finished.
        }
    }

    private async Task WorkerAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationToken soft, CancellationTokenSource hard)
    {
        try
        {
            while (!soft.IsCancellationRequested)
            {
                // Throttling lowers the number of workers allowed to hold a message.
                if (governor is not null && !governor.TryEnter())
                {
                    await Task.Delay(options.ReceiveWait, soft).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    // Span times run on the system clock, as every Activity's do (not the injectable one).
                    var receiving = DateTimeOffset.UtcNow;
                    var received = await queue.ReceiveAsync(1, options.ReceiveWait, soft).ConfigureAwait(false);
                    if (received.Count == 0)
                    {
                        if (await isFinished(soft).ConfigureAwait(false))
                        {
                            return;
                        }

                        continue;
                    }

                    var receive = RecordReceive(receiving, received.Count);
                    foreach (var message in received)
                    {
                        await HandleAsync(message, receive, hard).ConfigureAwait(false);
                    }
                }
                finally
                {
                    governor?.Exit();
                }
            }
        }
        catch (OperationCanceledException) when (soft.IsCancellationRequested)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stop requested: finishing messages in flight (up to {Seconds} s), taking no new ones")]
    private partial void LogDraining(double seconds);
}
