using System.Collections.Concurrent;
using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;

namespace HeavySync.Tests.Contracts;

/// <summary>
/// The at-least-once behaviour every <see cref="IWorkQueue"/> promises (in-process, Postgres, SQS,
/// Pub/Sub). A queue joins by deriving and implementing <see cref="CreateQueueAsync"/>, which must
/// return a fresh, empty queue. Leases are short and real (cluster queues run on real clocks); a
/// queue whose lease granularity is coarser overrides <see cref="ShortLease"/>.
/// </summary>
public abstract class WorkQueueContract : IAsyncLifetime
{
    private readonly List<IWorkQueue> _queues = [];

    /// <summary>A fresh, EMPTY queue whose leases last <paramref name="leaseDuration"/>.</summary>
    protected abstract Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration);

    /// <summary>The lease the timing cases use (default 1 s).</summary>
    protected virtual TimeSpan ShortLease => TimeSpan.FromSeconds(1);

    /// <summary>How long a case waits for a message it expects (default 5 s).</summary>
    protected virtual TimeSpan DeliveryTimeout => TimeSpan.FromSeconds(5);

    /// <summary>A lease no case outlives.</summary>
    protected static TimeSpan LongLease => TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }
    }

    [Fact]
    public async Task PublishReceiveAck_OneMessage_QueueEmpties()
    {
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([Message(1)], CancellationToken.None);

        var received = await ReceiveOneAsync(queue);
        await queue.AckAsync(received, CancellationToken.None);

        Assert.Equal(1, received.Message.RunId);
        Assert.Equal(1, received.DeliveryCount);
        await AssertDepthReachesZeroAsync(queue);
        Assert.Empty(await queue.ReceiveAsync(10, TimeSpan.FromMilliseconds(200), CancellationToken.None));
    }

    [Fact]
    public async Task ReceiveAsync_LeaseExpiresWithoutAck_RedeliversWithDeliveryCount2()
    {
        var queue = await NewQueueAsync(ShortLease);
        await queue.PublishAsync([Message(2)], CancellationToken.None);
        var first = await ReceiveOneAsync(queue);

        var whileLeased = await queue.ReceiveAsync(1, ShortLease / 4, CancellationToken.None);
        var again = await ReceiveOneAsync(queue, ShortLease + DeliveryTimeout);
        await queue.AckAsync(again, CancellationToken.None);

        Assert.Empty(whileLeased);
        Assert.Equal(1, first.DeliveryCount);
        Assert.Equal(2, again.Message.RunId);
        Assert.Equal(2, again.DeliveryCount);
        Assert.NotEqual(first.LeaseToken, again.LeaseToken);
    }

    [Fact]
    public async Task ReleaseAsync_WithDelay_RedeliversAfterTheDelay()
    {
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([Message(3)], CancellationToken.None);
        var first = await ReceiveOneAsync(queue);
        var delay = ShortLease;

        var clock = Stopwatch.StartNew();
        await queue.ReleaseAsync(first, delay, CancellationToken.None);
        var tooEarly = await queue.ReceiveAsync(1, delay / 4, CancellationToken.None);
        var again = await ReceiveOneAsync(queue, delay + DeliveryTimeout);
        var elapsed = clock.Elapsed;
        await queue.AckAsync(again, CancellationToken.None);

        Assert.Empty(tooEarly);
        Assert.Equal(3, again.Message.RunId);
        Assert.Equal(2, again.DeliveryCount);
        Assert.True(elapsed >= delay - TimeSpan.FromMilliseconds(100), $"redelivered after {elapsed}, before the {delay} delay");
    }

    [Fact]
    public async Task ReleaseAsync_ZeroDelay_RedeliversPromptly()
    {
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([Message(4)], CancellationToken.None);
        var first = await ReceiveOneAsync(queue);

        await queue.ReleaseAsync(first, TimeSpan.Zero, CancellationToken.None);
        var again = await ReceiveOneAsync(queue);
        await queue.AckAsync(again, CancellationToken.None);

        Assert.Equal(4, again.Message.RunId);
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public async Task AckAsync_StaleOrRepeatedToken_IsHarmless()
    {
        var queue = await NewQueueAsync(ShortLease);
        await queue.PublishAsync([Message(5)], CancellationToken.None);
        var first = await ReceiveOneAsync(queue);
        var second = await ReceiveOneAsync(queue, ShortLease + DeliveryTimeout);

        await queue.AckAsync(first, CancellationToken.None);
        await queue.AckAsync(second, CancellationToken.None);
        await queue.AckAsync(second, CancellationToken.None);
        await queue.ReleaseAsync(first, TimeSpan.Zero, CancellationToken.None);
        await queue.ExtendLeaseAsync(first, ShortLease, CancellationToken.None);

        Assert.Equal(2, second.DeliveryCount);
        Assert.Empty(await queue.ReceiveAsync(1, ShortLease + TimeSpan.FromMilliseconds(300), CancellationToken.None));
        await AssertDepthReachesZeroAsync(queue);
    }

    [Fact]
    public async Task ExtendLeaseAsync_BeforeExpiry_PreventsRedelivery()
    {
        var queue = await NewQueueAsync(ShortLease);
        await queue.PublishAsync([Message(6)], CancellationToken.None);
        var received = await ReceiveOneAsync(queue);

        await queue.ExtendLeaseAsync(received, ShortLease * 4, CancellationToken.None);
        var duringExtension = await queue.ReceiveAsync(1, ShortLease * 1.5, CancellationToken.None);
        await queue.AckAsync(received, CancellationToken.None);

        Assert.Empty(duringExtension);
        await AssertDepthReachesZeroAsync(queue);
    }

    [Fact]
    public async Task ReceiveAsync_NoMessages_ReturnsEmptyAfterTheWait()
    {
        var queue = await NewQueueAsync(LongLease);
        var wait = TimeSpan.FromMilliseconds(500);

        var clock = Stopwatch.StartNew();
        var received = await queue.ReceiveAsync(10, wait, CancellationToken.None);

        Assert.Empty(received);
        Assert.InRange(clock.Elapsed, wait - TimeSpan.FromMilliseconds(100), wait + DeliveryTimeout);
    }

    [Fact]
    public async Task ReceiveAsync_MaxMessages_NeverExceeded()
    {
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([.. Enumerable.Range(1, 5).Select(Message)], CancellationToken.None);

        var seen = new List<long>();
        var clock = Stopwatch.StartNew();
        while (seen.Count < 5 && clock.Elapsed < DeliveryTimeout)
        {
            var batch = await queue.ReceiveAsync(2, TimeSpan.FromMilliseconds(500), CancellationToken.None);
            Assert.True(batch.Count <= 2, $"asked for at most 2, got {batch.Count}");
            foreach (var received in batch)
            {
                seen.Add(received.Message.RunId);
                await queue.AckAsync(received, CancellationToken.None);
            }
        }

        Assert.Equal([1, 2, 3, 4, 5], seen.Order());
    }

    [Fact]
    public async Task ReceiveAsync_FourConcurrentConsumers_EachOf500MessagesAckedOnceNeverLeasedTwice()
    {
        const int count = 500;
        var queue = await NewQueueAsync(LongLease);
        var deliveries = new ConcurrentDictionary<long, int>();
        var inFlight = new ConcurrentDictionary<long, byte>();
        var overlaps = new ConcurrentQueue<long>();
        var acked = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var publisher = Task.Run(async () =>
        {
            foreach (var chunk in Enumerable.Range(1, count).Chunk(50))
            {
                await queue.PublishAsync([.. chunk.Select(Message)], stop.Token);
            }
        });
        var consumers = Enumerable.Range(0, 4).Select(consumer => Task.Run(async () =>
        {
            while (Volatile.Read(ref acked) < count && !stop.IsCancellationRequested)
            {
                foreach (var received in await queue.ReceiveAsync(10, TimeSpan.FromMilliseconds(200), stop.Token))
                {
                    var id = received.Message.RunId;
                    if (!inFlight.TryAdd(id, 0))
                    {
                        overlaps.Enqueue(id);
                    }

                    deliveries.AddOrUpdate(id, 1, (_, n) => n + 1);
                    await Task.Yield();
                    await queue.AckAsync(received, stop.Token);
                    inFlight.TryRemove(id, out _);
                    Interlocked.Increment(ref acked);
                }
            }
        })).ToList();
        await publisher;
        await Task.WhenAll(consumers);

        Assert.Empty(overlaps);
        Assert.Equal(count, deliveries.Count);
        Assert.All(deliveries, pair => Assert.Equal(1, pair.Value));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), deliveries.Keys.Order());
        await AssertDepthReachesZeroAsync(queue);
    }

    [Fact]
    public async Task PublishAsync_FullMessage_ContentRoundTrips()
    {
        var queue = await NewQueueAsync(LongLease);
        var sent = new WorkMessage(
            JobId: 42,
            RunId: 7,
            Tasks:
            [
                new WorkTask(1, "a/b/ünïcødé 100%.txt", 5_000_000_000, "5000000000:etag:abc-2", TaskAction.Copy),
                new WorkTask(2, "gone.txt", 0, null, TaskAction.Delete),
            ],
            TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        await queue.PublishAsync([sent], CancellationToken.None);
        var received = await ReceiveOneAsync(queue);
        await queue.AckAsync(received, CancellationToken.None);

        Assert.Equal(sent.JobId, received.Message.JobId);
        Assert.Equal(sent.RunId, received.Message.RunId);
        Assert.Equal(sent.TraceParent, received.Message.TraceParent);
        Assert.Equal(sent.Version, received.Message.Version);
        Assert.Equal(sent.Tasks, received.Message.Tasks);
    }

    [Fact]
    public async Task ReleaseAsync_EachRedelivery_DeliveryCountGrowsByOneSoConsumersCanDeadLetterAfterN()
    {
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([Message(8)], CancellationToken.None);

        var counts = new List<int>();
        for (var delivery = 0; delivery < 4; delivery++)
        {
            var received = await ReceiveOneAsync(queue);
            counts.Add(received.DeliveryCount);
            if (delivery < 3)
            {
                await queue.ReleaseAsync(received, TimeSpan.Zero, CancellationToken.None);
            }
            else
            {
                await queue.AckAsync(received, CancellationToken.None);
            }
        }

        Assert.Equal([1, 2, 3, 4], counts);
        await AssertDepthReachesZeroAsync(queue);
    }

    [Fact]
    public async Task ReceiveAsync_ConsumersAbandonSomeLeases_EveryMessageRedeliveredAndAckedNoneLost()
    {
        const int count = 40;
        var queue = await NewQueueAsync(ShortLease);
        await queue.PublishAsync([.. Enumerable.Range(1, count).Select(Message)], CancellationToken.None);
        var acked = new ConcurrentDictionary<long, int>();
        var abandoned = new ConcurrentDictionary<long, byte>();
        var redeliveredCounts = new ConcurrentDictionary<long, int>();
        using var stop = new CancellationTokenSource(ShortLease * 2 + DeliveryTimeout * 2);

        var consumers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (acked.Count < count && !stop.IsCancellationRequested)
            {
                foreach (var received in await queue.ReceiveAsync(5, TimeSpan.FromMilliseconds(300), stop.Token))
                {
                    var id = received.Message.RunId;
                    if (id % 4 == 0 && abandoned.TryAdd(id, 0))
                    {
                        // A consumer that dies holding the lease: no ack, no release.
                        continue;
                    }

                    if (abandoned.ContainsKey(id))
                    {
                        redeliveredCounts[id] = received.DeliveryCount;
                    }

                    await queue.AckAsync(received, stop.Token);
                    acked.AddOrUpdate(id, 1, (_, n) => n + 1);
                }
            }
        })).ToList();
        await Task.WhenAll(consumers);

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), acked.Keys.Order());
        Assert.All(acked, pair => Assert.Equal(1, pair.Value));
        Assert.Equal(count / 4, abandoned.Count);
        Assert.All(redeliveredCounts, pair => Assert.True(pair.Value >= 2, $"message {pair.Key} redelivered with count {pair.Value}"));
        Assert.Equal(count / 4, redeliveredCounts.Count);
        await AssertDepthReachesZeroAsync(queue);
    }

    /// <summary>
    /// A fresh, EMPTY queue that takes a message out of circulation (its dead letter) once it has
    /// been delivered <paramref name="maxDeliveries"/> times: an SQS RedrivePolicy, a Pub/Sub
    /// dead-letter policy, Postgres <c>MaxDeliveries</c>. Null (the default) for a queue that has no
    /// dead letter of its own (in-process): there the consumer dead-letters by delivery count.
    /// </summary>
    protected virtual Task<IWorkQueue?> CreateDeadLetteringQueueAsync(TimeSpan leaseDuration, int maxDeliveries) => Task.FromResult<IWorkQueue?>(null);

    [Fact]
    public async Task AckBatchAsync_ManyMessages_EachAckedAndTheQueueEmpties()
    {
        const int count = 25;
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([.. Enumerable.Range(1, count).Select(Message)], CancellationToken.None);

        var received = await ReceiveAllAsync(queue, count);
        await queue.AckBatchAsync(received, CancellationToken.None);
        await queue.AckBatchAsync(received, CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), received.Select(r => r.Message.RunId).Order());
        await AssertDepthReachesZeroAsync(queue);
        Assert.Empty(await queue.ReceiveAsync(10, TimeSpan.FromMilliseconds(300), CancellationToken.None));
    }

    [Fact]
    public async Task ExtendLeasesAsync_ManyMessagesBeforeExpiry_NoneRedelivered()
    {
        var queue = await NewQueueAsync(ShortLease);
        await queue.PublishAsync([.. Enumerable.Range(1, 3).Select(Message)], CancellationToken.None);
        var received = await ReceiveAllAsync(queue, 3);

        await queue.ExtendLeasesAsync(received, ShortLease * 4, CancellationToken.None);
        var duringExtension = await queue.ReceiveAsync(10, ShortLease * 1.5, CancellationToken.None);
        await queue.AckBatchAsync(received, CancellationToken.None);

        Assert.Empty(duringExtension);
        await AssertDepthReachesZeroAsync(queue);
    }

    [Fact]
    public async Task ReleaseBatchAsync_ZeroDelay_EachRedeliveredPromptlyWithCount2()
    {
        var queue = await NewQueueAsync(LongLease);
        await queue.PublishAsync([.. Enumerable.Range(1, 3).Select(Message)], CancellationToken.None);
        var first = await ReceiveAllAsync(queue, 3);

        await queue.ReleaseBatchAsync(first, TimeSpan.Zero, CancellationToken.None);
        var again = await ReceiveAllAsync(queue, 3);
        await queue.AckBatchAsync(again, CancellationToken.None);

        Assert.Equal([1, 2, 3], again.Select(r => r.Message.RunId).Order());
        Assert.All(again, r => Assert.Equal(2, r.DeliveryCount));
    }

    [Fact]
    public async Task ReceiveAsync_CancelledWhileWaiting_ThrowsAndStrandsNothing()
    {
        var queue = await NewQueueAsync(LongLease);
        using var cancel = new CancellationTokenSource();
        var waiting = queue.ReceiveAsync(10, TimeSpan.FromSeconds(5), cancel.Token);
        await Task.Delay(300);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await queue.PublishAsync([Message(9)], CancellationToken.None);

        // Promptly, far within the 60 s lease: whatever an abandoned request received was given back.
        var received = await ReceiveOneAsync(queue, DeliveryTimeout + TimeSpan.FromSeconds(6));
        await queue.AckAsync(received, CancellationToken.None);
        Assert.Equal(9, received.Message.RunId);
    }

    [Fact]
    public async Task ReleaseAsync_DeliveredMaxDeliveriesTimes_DeadLetteredOrLeftToTheConsumersCount()
    {
        const int maxDeliveries = 5;
        var deadLettering = await CreateDeadLetteringQueueAsync(LongLease, maxDeliveries);
        var queue = deadLettering ?? await NewQueueAsync(LongLease);
        if (deadLettering is not null)
        {
            _queues.Add(deadLettering);
        }

        await queue.PublishAsync([Message(10)], CancellationToken.None);
        var counts = new List<int>();
        for (var delivery = 0; delivery < maxDeliveries; delivery++)
        {
            var received = await ReceiveOneAsync(queue);
            counts.Add(received.DeliveryCount);
            await queue.ReleaseAsync(received, TimeSpan.Zero, CancellationToken.None);
        }

        Assert.Equal([1, 2, 3, 4, 5], counts);
        if (deadLettering is not null)
        {
            // Out of circulation: never delivered a sixth time, so no consumer works on it again.
            Assert.Empty(await queue.ReceiveAsync(1, DeliveryTimeout, CancellationToken.None));
        }
        else
        {
            // No dead letter of the queue's own: it keeps coming, and its count tells the consumer to give up.
            var sixth = await ReceiveOneAsync(queue);
            await queue.AckAsync(sixth, CancellationToken.None);
            Assert.Equal(maxDeliveries + 1, sixth.DeliveryCount);
        }
    }

    /// <summary>Receives until <paramref name="count"/> messages came (failing after the delivery timeout).</summary>
    protected async Task<List<ReceivedMessage>> ReceiveAllAsync(IWorkQueue queue, int count)
    {
        var all = new List<ReceivedMessage>();
        var clock = Stopwatch.StartNew();
        while (all.Count < count && clock.Elapsed < DeliveryTimeout)
        {
            all.AddRange(await queue.ReceiveAsync(count - all.Count, TimeSpan.FromMilliseconds(500), CancellationToken.None));
        }

        Assert.Equal(count, all.Count);
        return all;
    }

    /// <summary>Creates a queue through the factory and disposes it after the test.</summary>
    protected async Task<IWorkQueue> NewQueueAsync(TimeSpan leaseDuration)
    {
        var queue = await CreateQueueAsync(leaseDuration);
        _queues.Add(queue);
        return queue;
    }

    /// <summary>A one-task message identified by its run id.</summary>
    protected static WorkMessage Message(int id) =>
        new(JobId: 1, RunId: id, Tasks: [new WorkTask(id, $"key-{id}", id, null, TaskAction.Copy)], TraceParent: null);

    /// <summary>Receives exactly one message, failing when none comes in time.</summary>
    protected async Task<ReceivedMessage> ReceiveOneAsync(IWorkQueue queue, TimeSpan? wait = null)
    {
        var limit = wait ?? DeliveryTimeout;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var batch = await queue.ReceiveAsync(1, limit - clock.Elapsed, CancellationToken.None);
            if (batch.Count > 0)
            {
                return Assert.Single(batch);
            }
        }

        throw new Xunit.Sdk.XunitException($"no message within {limit}");
    }

    /// <summary>Depth is approximate in cluster queues (SQS counts lag), so poll for it.</summary>
    protected async Task AssertDepthReachesZeroAsync(IWorkQueue queue)
    {
        var clock = Stopwatch.StartNew();
        long depth;
        while ((depth = await queue.GetApproximateDepthAsync(CancellationToken.None)) != 0 && clock.Elapsed < DeliveryTimeout)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, depth);
    }
}
