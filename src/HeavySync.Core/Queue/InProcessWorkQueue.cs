using System.Threading.Channels;

namespace HeavySync.Queue;

/// <summary>
/// The <see cref="IWorkQueue"/> of a one-machine sync: a bounded <see cref="Channel{T}"/> of fresh
/// messages plus leases, with the same at-least-once contract as the cluster queues. A received
/// message is leased for <see cref="InProcessQueueOptions.LeaseDuration"/>; unless acknowledged by
/// then it is delivered again with a higher delivery count. Redeliveries wait in their own unbounded
/// queue and are served first, so a channel full of fresh work never holds back a message that was
/// already accepted. Safe for any number of concurrent publishers and consumers.
/// </summary>
public sealed partial class InProcessWorkQueue : IWorkQueue
{
    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(1);
    private readonly InProcessQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Envelope> _fresh;

    /// <summary>Guards everything below: redeliveries, leases, delayed messages, the timer and the signal.</summary>
    private readonly Lock _gate = new();
    private readonly Queue<Envelope> _redeliveries = new();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Envelope, DateTimeOffset> _delayed = new();
    private readonly ITimer _timer;
    private TaskCompletionSource _redeliveryArrived = NewSignal();
    private bool _disposed;

    /// <summary>Creates a queue; <paramref name="timeProvider"/> defaults to the system clock.</summary>
    public InProcessWorkQueue(InProcessQueueOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.LeaseDuration, TimeSpan.Zero, nameof(options));
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _fresh = Channel.CreateBounded<Envelope>(new BoundedChannelOptions(options.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <inheritdoc />
    public MessagingDestination Messaging { get; } = new(MessagingDestination.InProcess, "inprocess");

    /// <inheritdoc />
    /// <remarks>Waits while <see cref="InProcessQueueOptions.Capacity"/> fresh messages are waiting.</remarks>
    public async Task PublishAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (message.Tasks is null)
            {
                throw new ArgumentException("a work message needs a task list", nameof(messages));
            }

            // A private copy of the task list, as a serialising queue would make: the publisher may reuse its list.
            var envelope = new Envelope(message with { Tasks = [.. message.Tasks] });
            try
            {
                await _fresh.Writer.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new ObjectDisposedException(nameof(InProcessWorkQueue));
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "must be zero or more, or infinite");
        }

        var started = _time.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<ReceivedMessage> batch;
            Task redeliveryArrived;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var now = _time.GetUtcNow();
                PromoteDue(now);
                batch = Take(maxMessages, now);
                redeliveryArrived = _redeliveryArrived.Task;
            }

            if (batch.Count > 0)
            {
                return batch;
            }

            // Timers count whole milliseconds: a delay under one completes at once, and one may fire
            // a little before the clock says it is due. With less than that left, the wait is over
            // (waiting again would spin, a new delay and a cancelled channel wait per turn). What is
            // left of a finite wait is never taken for the infinite one: a wait overrun by exactly
            // one millisecond leaves -1 ms, which is Timeout.InfiniteTimeSpan, and a receive that
            // took it so waited for ever for work that was not coming (a run hung at its end).
            var remaining = wait;
            if (wait != Timeout.InfiniteTimeSpan)
            {
                remaining = wait - _time.GetElapsedTime(started);
                if (remaining < TimerResolution)
                {
                    return [];
                }
            }

            await WaitForWorkAsync(redeliveryArrived, remaining, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>Fresh, redelivery-ready, leased and delayed messages together; exact here.</remarks>
    public Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            long depth = _fresh.Reader.Count + _redeliveries.Count + _leases.Count + _delayed.Count;
            return Task.FromResult(depth);
        }
    }

    /// <inheritdoc />
    /// <remarks>Pending receivers and publishers then fail with <see cref="ObjectDisposedException"/>.</remarks>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
            Signal();
        }

        _fresh.Writer.TryComplete();
        _timer.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Leases up to <paramref name="max"/> messages, redeliveries first. Caller holds the gate.</summary>
    private List<ReceivedMessage> Take(int max, DateTimeOffset now)
    {
        var batch = new List<ReceivedMessage>(Math.Min(max, 16));
        while (batch.Count < max && (_redeliveries.TryDequeue(out var envelope) || _fresh.Reader.TryRead(out envelope)))
        {
            envelope.Deliveries++;
            var lease = new Lease(envelope, now + _options.LeaseDuration);
            var token = Guid.NewGuid().ToString("N");
            _leases.Add(token, lease);
            batch.Add(new ReceivedMessage(envelope.Message, token, envelope.Deliveries));
        }

        if (batch.Count > 0)
        {
            Schedule(now + _options.LeaseDuration, now);
        }

        return batch;
    }

    /// <summary>Waits until fresh work, a redelivery, the deadline or cancellation, whichever comes first.</summary>
    private async Task WaitForWorkAsync(Task redeliveryArrived, TimeSpan remaining, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var freshArrived = _fresh.Reader.WaitToReadAsync(stop.Token).AsTask();
        var deadline = Task.Delay(remaining, _time, stop.Token);
        await Task.WhenAny(freshArrived, redeliveryArrived, deadline).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes every waiting receiver. Caller holds the gate.</summary>
    private void Signal()
    {
        var arrived = _redeliveryArrived;
        _redeliveryArrived = NewSignal();
        arrived.TrySetResult();
    }

    /// <summary>One message as the queue keeps it.</summary>
    private sealed class Envelope(WorkMessage message)
    {
        public WorkMessage Message { get; } = message;

        /// <summary>Deliveries so far; guarded by the gate.</summary>
        public int Deliveries { get; set; }
    }

    /// <summary>A delivery not yet acknowledged; guarded by the gate.</summary>
    private sealed class Lease(Envelope envelope, DateTimeOffset expiresAt)
    {
        public Envelope Envelope { get; } = envelope;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
    }
}
