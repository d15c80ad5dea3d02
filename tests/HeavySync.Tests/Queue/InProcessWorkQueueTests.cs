using HeavySync.Queue;
using HeavySync.Tests.Contracts;
using HeavySync.Tests.Time;

namespace HeavySync.Tests.Queue;

/// <summary>
/// <see cref="InProcessWorkQueue"/>: the <see cref="IWorkQueue"/> contract, then what only the
/// in-process queue promises (bounded publishing, redeliveries ahead of a full channel, exact depth,
/// leases on the injected clock).
/// </summary>
public sealed class InProcessWorkQueueTests : WorkQueueContract
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    protected override Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration) =>
        Task.FromResult<IWorkQueue>(new InProcessWorkQueue(new InProcessQueueOptions { LeaseDuration = leaseDuration }));

    [Fact]
    public async Task PublishAsync_CapacityReached_WaitsForRoom()
    {
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { Capacity = 2 });
        await queue.PublishAsync([Message(1), Message(2)], CancellationToken.None);

        var third = queue.PublishAsync([Message(3)], CancellationToken.None);
        await Task.Delay(100);
        Assert.False(third.IsCompleted);

        var received = await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, Assert.Single(received).Message.RunId);
    }

    [Fact]
    public async Task ReceiveAsync_ChannelFullOfFreshWork_ServesRedeliveryFirst()
    {
        var clock = new ManualTimeProvider();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { Capacity = 1, LeaseDuration = Lease }, clock);
        await queue.PublishAsync([Message(1)], CancellationToken.None);
        var first = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None));
        await queue.PublishAsync([Message(2)], CancellationToken.None);

        clock.Advance(Lease);
        var next = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(first.Message.RunId, next.Message.RunId);
        Assert.Equal(2, next.DeliveryCount);
        Assert.Equal(2, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task GetApproximateDepthAsync_ReadyLeasedAndDelayed_AllCounted()
    {
        var clock = new ManualTimeProvider();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { LeaseDuration = Lease }, clock);
        await queue.PublishAsync([Message(1), Message(2), Message(3)], CancellationToken.None);
        var leased = await queue.ReceiveAsync(2, TimeSpan.Zero, CancellationToken.None);

        await queue.ReleaseAsync(leased[0], TimeSpan.FromMinutes(1), CancellationToken.None);
        var withDelayed = await queue.GetApproximateDepthAsync(CancellationToken.None);
        await queue.AckAsync(leased[1], CancellationToken.None);
        var afterAck = await queue.GetApproximateDepthAsync(CancellationToken.None);

        Assert.Equal(3, withDelayed);
        Assert.Equal(2, afterAck);
    }

    [Fact]
    public async Task ReceiveAsync_LeaseOnInjectedClock_RedeliveredOnlyOnceItExpires()
    {
        var clock = new ManualTimeProvider();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { LeaseDuration = Lease }, clock);
        await queue.PublishAsync([Message(1)], CancellationToken.None);
        await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);

        clock.Advance(Lease - TimeSpan.FromSeconds(1));
        var beforeExpiry = await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        var atExpiry = await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);

        Assert.Empty(beforeExpiry);
        Assert.Equal(2, Assert.Single(atExpiry).DeliveryCount);
    }

    [Fact]
    public async Task ReceiveAsync_WaitingWhenLeaseExpires_WokenByTheTimer()
    {
        var clock = new ManualTimeProvider();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { LeaseDuration = Lease }, clock);
        await queue.PublishAsync([Message(1)], CancellationToken.None);
        await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);

        var waiting = queue.ReceiveAsync(1, TimeSpan.FromHours(1), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        clock.Advance(Lease);
        var redelivered = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, Assert.Single(redelivered).DeliveryCount);
    }

    [Fact]
    public async Task ExtendLeaseAsync_OnInjectedClock_CountsFromNow()
    {
        var clock = new ManualTimeProvider();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { LeaseDuration = Lease }, clock);
        await queue.PublishAsync([Message(1)], CancellationToken.None);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None));

        clock.Advance(TimeSpan.FromMinutes(4));
        await queue.ExtendLeaseAsync(received, TimeSpan.FromMinutes(10), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(9));
        var stillLeased = await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        var expired = await queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None);

        Assert.Empty(stillLeased);
        Assert.Equal(2, Assert.Single(expired).DeliveryCount);
    }

    [Fact]
    public async Task ReceiveAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var queue = new InProcessWorkQueue(new InProcessQueueOptions());
        var waiting = queue.ReceiveAsync(1, TimeSpan.FromMinutes(1), CancellationToken.None);

        await queue.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.PublishAsync([Message(1)], CancellationToken.None));
    }

    [Fact]
    public async Task ReceiveAsync_EmptyQueue_TimerFiresJustBeforeTheDeadline_EndsTheWait()
    {
        // A timer that fires half a millisecond before its time by the clock (as the system's, which
        // count whole milliseconds, do) leaves a remainder no timer can wait out: the wait is over.
        // It used to go round again, a delay that completed at once and a cancelled channel wait per
        // turn, until the clock passed the deadline: never, on this clock (cancelled after 10 s).
        var clock = new EarlyTimerClock(early: TimeSpan.FromMicroseconds(500));
        using var spinning = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions(), clock);

        var received = await queue.ReceiveAsync(1, TimeSpan.FromMilliseconds(20), spinning.Token);

        Assert.Empty(received);
        Assert.Equal(1, clock.TimersCreated);
    }

    [Theory]
    [InlineData(1000)] // exactly 1 ms late: what is left of the wait is -1 ms, Timeout.InfiniteTimeSpan's value
    [InlineData(3000)]
    public async Task ReceiveAsync_EmptyQueue_TimerFiresLate_EndsTheWait(int lateMicroseconds)
    {
        // A receive whose timer fired exactly 1 ms late took the -1 ms left of its wait for an
        // infinite wait and waited for ever: found as a one-object sync that never ended (cancelled
        // after 10 s here).
        var clock = new EarlyTimerClock(early: -TimeSpan.FromMicroseconds(lateMicroseconds));
        using var hanging = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions(), clock);

        var received = await queue.ReceiveAsync(1, TimeSpan.FromMilliseconds(20), hanging.Token);

        Assert.Empty(received);
        Assert.Equal(1, clock.TimersCreated);
    }

    /// <summary>A clock that stands still but for its timers: each moves it to just before its due
    /// time when it fires (after it, for a negative <c>early</c>).</summary>
    private sealed class EarlyTimerClock(TimeSpan early) : TimeProvider
    {
        private long ticks;
        private int timers;

        public int TimersCreated => Volatile.Read(ref timers);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return System.CreateTimer(callback, state, dueTime, period);
            }

            Interlocked.Increment(ref timers);
            var advance = dueTime > early ? (dueTime - early).Ticks : 0;
            return System.CreateTimer(
                _ =>
                {
                    Interlocked.Add(ref ticks, advance);
                    callback(state);
                },
                null,
                TimeSpan.Zero,
                Timeout.InfiniteTimeSpan);
        }
    }

    [Fact]
    public async Task ReceiveAsync_Cancelled_ThrowsOperationCanceled()
    {
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.ReceiveAsync(1, TimeSpan.FromMinutes(1), cancel.Token));
    }
}
