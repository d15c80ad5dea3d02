using System.Collections.Concurrent;
using HeavySync.Queue;
using HeavySync.State;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>
/// The copier role: one receive loop takes messages from the queue into a small buffer, and
/// <see cref="CopierOptions.Concurrency"/> workers run their copy tasks — the tasks of one message
/// side by side — record the outcomes durably, then acknowledge (in batches). The loop receives
/// only when the tasks not yet started run low, and no more messages than the workers can start
/// soon, because leases tick while messages wait; the heartbeat renews the leases of every held
/// message, buffered ones included, in batched requests. A transient failure leaves the message for
/// redelivery with backoff; once a message has been delivered <see cref="CopierOptions.MaxDeliveries"/>
/// times its remaining tasks are recorded failed (the dead letter). Fatal store errors stop the role.
/// Queue requests therefore grow with messages, not objects: about one receive and one share of a
/// batched acknowledgement per message, plus one renewal per held batch per renewal interval.
/// </summary>
public sealed partial class Copier(
    IWorkQueue queue,
    ICopyContextSource contexts,
    IStateStore state,
    CopierOptions options,
    SyncProgress progress,
    ILogger logger,
    ConcurrencyGovernor? governor = null,
    TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>Guards the held messages, the counters below and the signal.</summary>
    private readonly Lock gate = new();

    /// <summary>Every message held, in receipt order: buffered, being worked on or settling.</summary>
    private readonly List<HeldMessage> held = [];
    private readonly ConcurrentDictionary<Task, byte> settling = new();
    private TaskCompletionSource changed = NewSignal();
    private int unstarted;
    private bool receivingDone;
    private double? tasksPerMessage;
    private Exception? settleFailure;
    private QueueAckBatcher? acks;
    private CancellationTokenSource? stopAll;

    /// <summary>
    /// Runs until <paramref name="isFinished"/> says the queue will not get more work and it is empty,
    /// or until cancelled; cancellation stops at once.
    /// </summary>
    public Task RunAsync(Func<CancellationToken, Task<bool>> isFinished, CancellationToken cancellationToken) =>
        RunAsync(isFinished, cancellationToken, cancellationToken);

    /// <summary>
    /// Runs until <paramref name="isFinished"/> says so (asked before each receive while nothing
    /// is held), or gracefully stops when <paramref name="stopReceiving"/> fires (SIGTERM): no new
    /// message is taken, buffered messages are released at once, messages being worked on get
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
        using var heartbeatStop = new CancellationTokenSource();
        await using var ackBatcher = new QueueAckBatcher(queue, options.AckLinger, clock);
        acks = ackBatcher;
        stopAll = hard;
        var heartbeat = HeartbeatAsync(heartbeatStop.Token);
        var receiving = Task.Run(() => ReceiveLoopAsync(isFinished, soft.Token, hard), CancellationToken.None);
        var workers = Enumerable.Range(0, Math.Max(1, options.Concurrency))
            .Select(_ => Task.Run(() => WorkerAsync(hard), CancellationToken.None))
            .ToArray();
        try
        {
            await Task.WhenAll(workers.Append(receiving)).ConfigureAwait(false);
        }
        finally
        {
            // Whatever is still held (a fatal error or the drain timeout stopped the workers) is handed back.
            SettleRemaining();
            await Task.WhenAll(settling.Keys).ConfigureAwait(false);
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
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

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes whoever waits for a change of the held messages. Caller holds the gate.</summary>
    private void Signal()
    {
        var fired = changed;
        changed = NewSignal();
        fired.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stop requested: finishing messages in flight (up to {Seconds} s), taking no new ones")]
    private partial void LogDraining(double seconds);
}
