using System.Collections.Concurrent;
using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.State.Postgres.Queue;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>What the Postgres queue promises beyond the shared contract: consumers on separate
/// connections, lease expiry across processes' pools, NOTIFY wake-ups, dead rows, the stored format.</summary>
public sealed class PostgresWorkQueueTests(PostgresQueueFixture fixture) : IClassFixture<PostgresQueueFixture>
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ReceiveAsync_FourConsumersOnOwnConnections_EachOf2000MessagesDeliveredOnce()
    {
        const int count = 2000;
        var name = fixture.NewQueueName();
        var options = new PostgresQueueOptions { QueueName = name, LeaseDuration = LongLease, PollInterval = TimeSpan.FromMilliseconds(100) };
        await using var publisher = await fixture.NewQueueAsync(options);
        var consumers = new List<PostgresWorkQueue>();
        for (var i = 0; i < 4; i++)
        {
            consumers.Add(await fixture.NewQueueAsync(options));
        }

        var deliveries = new ConcurrentDictionary<long, int>();
        var acked = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var publishing = Task.Run(async () =>
        {
            foreach (var chunk in Enumerable.Range(1, count).Chunk(100))
            {
                await publisher.PublishAsync([.. chunk.Select(Message)], stop.Token);
            }
        });
        var consuming = consumers.Select(queue => Task.Run(async () =>
        {
            while (Volatile.Read(ref acked) < count && !stop.IsCancellationRequested)
            {
                foreach (var received in await queue.ReceiveAsync(10, TimeSpan.FromMilliseconds(200), stop.Token))
                {
                    deliveries.AddOrUpdate(received.Message.RunId, 1, (_, n) => n + 1);
                    await queue.AckAsync(received, stop.Token);
                    Interlocked.Increment(ref acked);
                }
            }
        })).ToList();
        await publishing;
        await Task.WhenAll(consuming);
        foreach (var consumer in consumers)
        {
            await consumer.DisposeAsync();
        }

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), deliveries.Keys.Order());
        Assert.All(deliveries.Values, n => Assert.Equal(1, n));
        Assert.Equal(0, await publisher.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReceiveAsync_ConsumerDiesHoldingLease_AnotherGetsItAfterExpiryAndStaleAckIsHarmless()
    {
        var options = new PostgresQueueOptions { QueueName = fixture.NewQueueName(), LeaseDuration = TimeSpan.FromSeconds(1), PollInterval = TimeSpan.FromMilliseconds(100) };
        await using var survivor = await fixture.NewQueueAsync(options);
        ReceivedMessage lost;
        await using (var doomed = await fixture.NewQueueAsync(options))
        {
            await doomed.PublishAsync([Message(7)], CancellationToken.None);
            lost = Assert.Single(await doomed.ReceiveAsync(5, TimeSpan.FromSeconds(5), CancellationToken.None));
        }

        var whileLeased = await survivor.ReceiveAsync(5, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        var again = Assert.Single(await survivor.ReceiveAsync(5, TimeSpan.FromSeconds(5), CancellationToken.None));
        await survivor.AckAsync(lost, CancellationToken.None);
        var depthAfterStaleAck = await survivor.GetApproximateDepthAsync(CancellationToken.None);
        await survivor.AckAsync(again, CancellationToken.None);

        Assert.Empty(whileLeased);
        Assert.Equal((7, 1, 2), (again.Message.RunId, lost.DeliveryCount, again.DeliveryCount));
        Assert.Equal(1, depthAfterStaleAck);
        Assert.Equal(0, await survivor.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReceiveAsync_WaitingWithSlowPolling_NotifyWakesItAtOnce()
    {
        // Polling every 30 s: only the notification can deliver within the assertion's bound.
        var options = new PostgresQueueOptions { QueueName = fixture.NewQueueName(), LeaseDuration = LongLease, PollInterval = TimeSpan.FromSeconds(30) };
        await using var receiver = await fixture.NewQueueAsync(options);
        await using var publisher = await fixture.NewQueueAsync(options);
        Assert.Empty(await receiver.ReceiveAsync(1, TimeSpan.FromMilliseconds(200), CancellationToken.None)); // listener up

        var clock = Stopwatch.StartNew();
        var waiting = receiver.ReceiveAsync(1, TimeSpan.FromSeconds(20), CancellationToken.None);
        await Task.Delay(500);
        var publishedAt = clock.Elapsed;
        await publisher.PublishAsync([Message(11)], CancellationToken.None);
        var received = Assert.Single(await waiting);
        var latency = clock.Elapsed - publishedAt;

        Assert.Equal(11, received.Message.RunId);
        Assert.True(latency < TimeSpan.FromSeconds(3), $"woke {latency} after the publish");
    }

    [Fact]
    public async Task ReceiveAsync_PastMaxDeliveries_RowMarkedDeadAndLeavesDepth()
    {
        var options = new PostgresQueueOptions { QueueName = fixture.NewQueueName(), LeaseDuration = TimeSpan.FromMilliseconds(300), MaxDeliveries = 2, PollInterval = TimeSpan.FromMilliseconds(50) };
        await using var queue = await fixture.NewQueueAsync(options);
        await queue.PublishAsync([Message(5)], CancellationToken.None);

        var first = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), CancellationToken.None));
        var second = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), CancellationToken.None));
        var third = await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal((1, 2), (first.DeliveryCount, second.DeliveryCount));
        Assert.Empty(third);
        Assert.Equal(0, await queue.GetApproximateDepthAsync(CancellationToken.None));
        Assert.Equal(1L, await PostgresDatabaseFixture.ScalarAsync(fixture.Url, $"SELECT COUNT(*) FROM queue_messages WHERE queue = '{options.QueueName}' AND dead AND dead_at IS NOT NULL AND delivery_count = 2"));
    }

    [Fact]
    public async Task PublishAsync_Message_StoredAsCodecDocumentWithTraceparentColumn()
    {
        var options = new PostgresQueueOptions { QueueName = fixture.NewQueueName() };
        await using var queue = await fixture.NewQueueAsync(options);
        var message = new WorkMessage(3, 4, [new WorkTask(9, "a/ü.txt", 12, "12:md5:x", TaskAction.Copy)], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        await queue.PublishAsync([message], CancellationToken.None);

        var where = $"FROM queue_messages WHERE queue = '{options.QueueName}'";
        Assert.Equal(WorkMessageCodec.EncodeString(message), await PostgresDatabaseFixture.ScalarAsync(fixture.Url, $"SELECT body {where}"));
        Assert.Equal(message.TraceParent, await PostgresDatabaseFixture.ScalarAsync(fixture.Url, $"SELECT traceparent {where}"));
        Assert.Equal("3|4|1|0", await PostgresDatabaseFixture.ScalarAsync(fixture.Url, $"SELECT concat_ws('|', job_id, run_id, task_count, delivery_count) {where}"));
    }

    [Fact]
    public async Task ReceiveAsync_UnreadableBody_BuriedNotDelivered()
    {
        var options = new PostgresQueueOptions { QueueName = fixture.NewQueueName(), PollInterval = TimeSpan.FromMilliseconds(50) };
        await using var queue = await fixture.NewQueueAsync(options);
        await PostgresDatabaseFixture.ExecuteAsync(fixture.Url,
            $"INSERT INTO queue_messages (queue, job_id, run_id, body, task_count) VALUES ('{options.QueueName}', 1, 1, '{{\"v\":99,\"job\":1,\"run\":1,\"tasks\":[]}}', 0)");
        await queue.PublishAsync([Message(8)], CancellationToken.None);

        var received = await queue.ReceiveAsync(10, TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.Equal(8, Assert.Single(received).Message.RunId);
        Assert.Equal(1, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PendingQuery_RunDirectly_EqualsDepth()
    {
        var options = new PostgresQueueOptions { QueueName = fixture.NewQueueName(), LeaseDuration = LongLease };
        await using var queue = await fixture.NewQueueAsync(options);
        await queue.PublishAsync([Message(1), Message(2), Message(3)], CancellationToken.None);
        Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), CancellationToken.None));

        var pending = await PostgresDatabaseFixture.ScalarAsync(fixture.Url, PostgresWorkQueue.PendingQueryFor(options.QueueName));

        Assert.Equal(3L, pending);
        Assert.Equal(3, await queue.GetApproximateDepthAsync(CancellationToken.None));
        Assert.Equal(PostgresWorkQueue.PendingQuery, PostgresWorkQueue.PendingQueryFor(PostgresWorkQueue.DefaultQueueName));
    }

    [Fact]
    public async Task DeleteJob_WithQueuedMessages_RemovesThemToo()
    {
        await using var store = await PostgresStateStore.OpenAsync(fixture.Url, CancellationToken.None);
        var job = await store.GetOrCreateJobAsync($"s3://{fixture.NewQueueName()}", "s3://b", CancellationToken.None);
        await using var queue = PostgresWorkQueue.Create(store, new PostgresQueueOptions { QueueName = fixture.NewQueueName() });
        await queue.PublishAsync([new WorkMessage(job.Id, 1, [new WorkTask(1, "k", 1, null, TaskAction.Copy)], null)], CancellationToken.None);
        Assert.Equal(1, await queue.GetApproximateDepthAsync(CancellationToken.None));

        Assert.True(await store.DeleteJobAsync(job.Id, CancellationToken.None));

        Assert.Equal(0, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    private static WorkMessage Message(int id) =>
        new(JobId: 1, RunId: id, Tasks: [new WorkTask(id, $"key-{id}", id, null, TaskAction.Copy)], TraceParent: null);
}
