using System.Collections.Concurrent;
using System.Diagnostics;
using HeavySync.Google.PubSub;
using HeavySync.IntegrationTests.Servers;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.PubSub;

/// <summary>What only the Pub/Sub queue promises, against the emulator: dead-lettering, heartbeats,
/// nacks across consumers, publish splitting, the trace attribute, delivery counts, errors.</summary>
public sealed class PubSubWorkQueueTests : IAsyncLifetime
{
    private static readonly TimeSpan LongLease = TimeSpan.FromSeconds(60);
    private PubSubTestQueues _queues = null!;
    private readonly List<IWorkQueue> _open = [];

    public async Task InitializeAsync() => _queues = await PubSubTestQueues.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var queue in _open)
        {
            await queue.DisposeAsync();
        }

        await _queues.DisposeAsync();
    }

    [Fact]
    public async Task ReleaseAsync_MaxDeliveryAttemptsReached_MessageMovesToDeadLetterTopic()
    {
        var (location, spec) = await _queues.CreateSubscriptionAsync(maxDeliveryAttempts: 5);
        var deadLetters = new PubSubQueueLocation(location.Project, PubSubEmulator.UniqueName("deadsub"));
        await PubSubWorkQueue.EnsureCreatedAsync(deadLetters, new PubSubQueueSpec { TopicId = spec.DeadLetterTopicId! }, _queues.Options(null), CancellationToken.None);
        var queue = await OpenAsync(location, LongLease);
        var deadQueue = await OpenAsync(deadLetters, LongLease);
        await queue.PublishAsync([Message(1)], CancellationToken.None);

        var counts = new List<int>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var received = await ReceiveOneAsync(queue);
            counts.Add(received.DeliveryCount);
            await queue.ReleaseAsync(received, TimeSpan.Zero, CancellationToken.None);
        }

        // The emulator forwards a message past its last attempt when the subscription is next pulled.
        var sixth = await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1), CancellationToken.None);
        var dead = await ReceiveOneAsync(deadQueue, TimeSpan.FromSeconds(15));
        await deadQueue.AckAsync(dead, CancellationToken.None);

        Assert.Equal([1, 2, 3, 4, 5], counts);
        Assert.Empty(sixth);
        Assert.Equal(1, dead.Message.RunId);
        await PubSubWorkQueue.DeleteAsync(deadLetters, [], _queues.Options(null), CancellationToken.None);
    }

    [Fact]
    public async Task ExtendLeaseAsync_HeartbeatsOutlastingManyLeases_KeepsMessageFromOtherConsumers()
    {
        var (location, _) = await _queues.CreateSubscriptionAsync();
        var lease = TimeSpan.FromSeconds(1);
        var worker = await OpenAsync(location, lease);
        var other = await OpenAsync(location, lease);
        await worker.PublishAsync([Message(2)], CancellationToken.None);
        var held = await ReceiveOneAsync(worker);

        var stolen = new List<ReceivedMessage>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < lease * 5)
        {
            // A heartbeat every quarter lease, each extending to two leases: the usual safety margin.
            await worker.ExtendLeaseAsync(held, lease * 2, CancellationToken.None);
            stolen.AddRange(await other.ReceiveAsync(1, lease / 4, CancellationToken.None));
        }

        await worker.AckAsync(held, CancellationToken.None);

        Assert.Empty(stolen);
        Assert.Empty(await other.ReceiveAsync(1, lease * 2, CancellationToken.None));
    }

    [Fact]
    public async Task ReleaseAsync_ZeroDelay_AnotherConsumerGetsItWithHigherCount()
    {
        var (location, _) = await _queues.CreateSubscriptionAsync();
        var first = await OpenAsync(location, LongLease);
        var second = await OpenAsync(location, LongLease);
        await first.PublishAsync([Message(3)], CancellationToken.None);
        var received = await ReceiveOneAsync(first);

        await first.ReleaseAsync(received, TimeSpan.Zero, CancellationToken.None);
        var again = await ReceiveOneAsync(second);
        await second.AckAsync(again, CancellationToken.None);

        Assert.Equal(3, again.Message.RunId);
        Assert.Equal(2, again.DeliveryCount);
        Assert.NotEqual(received.LeaseToken, again.LeaseToken);
    }

    [Fact]
    public async Task ReceiveAsync_FourQueuesOnOneSubscription_Each2000MessagesAckedNoneLost()
    {
        const int count = 2000;
        var (location, _) = await _queues.CreateSubscriptionAsync();
        var consumers = new List<PubSubWorkQueue>();
        for (var i = 0; i < 4; i++)
        {
            consumers.Add(await OpenAsync(location, LongLease));
        }

        await consumers[0].PublishAsync([.. Enumerable.Range(1, count).Select(Message)], CancellationToken.None);
        var acked = new ConcurrentDictionary<long, int>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(consumers.Select(queue => Task.Run(async () =>
        {
            while (acked.Count < count && !stop.IsCancellationRequested)
            {
                foreach (var received in await queue.ReceiveAsync(50, TimeSpan.FromMilliseconds(300), stop.Token))
                {
                    await queue.AckAsync(received, stop.Token);
                    acked.AddOrUpdate(received.Message.RunId, 1, (_, n) => n + 1);
                }
            }
        })));

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), acked.Keys.Order());
        Assert.All(acked, pair => Assert.Equal(1, pair.Value));
        Assert.Equal(0, await consumers[0].GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PublishAsync_2500Messages_SplitsIntoThreeRequestsAllDelivered()
    {
        var (location, spec) = await _queues.CreateSubscriptionAsync();
        var queue = await OpenAsync(location, LongLease);

        await queue.PublishAsync([.. Enumerable.Range(1, 2500).Select(Message)], CancellationToken.None);
        var seen = await DrainAsync(queue, 2500);

        Assert.Equal(3, _queues.Monitor.PublishRequests[$"projects/{location.Project}/topics/{spec.TopicId}"]);
        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), seen.Order());
    }

    [Fact]
    public async Task PublishAsync_ByteLimitBelowBatch_SplitsByBytes()
    {
        var (location, spec) = await _queues.CreateSubscriptionAsync();
        var one = PubSubWorkQueue.Encode(Message(1)).Data.Length + 64;
        var queue = await PubSubWorkQueue.CreateAsync(location, _queues.Options(LongLease) with { MaxBytesPerPublish = one * 10 }, null, CancellationToken.None);
        _open.Add(queue);

        await queue.PublishAsync([.. Enumerable.Range(1, 9).Select(i => Message(i))], CancellationToken.None);
        await queue.PublishAsync([.. Enumerable.Range(10, 25).Select(i => Message(i))], CancellationToken.None);
        var seen = await DrainAsync(queue, 34);

        // 9 fit in one request; 25 messages of about the same size need 3 more.
        Assert.InRange(_queues.Monitor.PublishRequests[$"projects/{location.Project}/topics/{spec.TopicId}"], 4, 5);
        Assert.Equal(Enumerable.Range(1, 34).Select(i => (long)i), seen.Order());
    }

    [Fact]
    public async Task PublishAsync_TraceParent_TravelsAsAttributeAndInTheDocument()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var (location, _) = await _queues.CreateSubscriptionAsync();
        var queue = await OpenAsync(location, LongLease);
        await queue.PublishAsync([Message(7) with { TraceParent = traceParent }], CancellationToken.None);

        var raw = await RawPullAsync(location);
        var attribute = raw.Message!.Attributes![PubSubWorkQueue.TraceParentAttribute];
        var document = WorkMessageCodec.Decode(Convert.FromBase64String(raw.Message.Data!));

        Assert.Equal(traceParent, attribute);
        Assert.Equal(traceParent, document.TraceParent);
    }

    [Fact]
    public void Decode_DocumentWithoutTraceParent_RestoresItFromTheAttribute()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var data = Convert.ToBase64String(WorkMessageCodec.Encode(Message(8)));
        var incoming = new PubSubWire.IncomingMessage(data, new() { [PubSubWorkQueue.TraceParentAttribute] = traceParent }, "1");

        var decoded = PubSubWorkQueue.Decode(incoming);

        Assert.Equal(traceParent, decoded.TraceParent);
        Assert.Equal(8, decoded.RunId);
    }

    [Fact]
    public async Task ReceiveAsync_UndecodableMessage_IsSkippedAndGoodOnesStillArrive()
    {
        var (location, spec) = await _queues.CreateSubscriptionAsync();
        var queue = await OpenAsync(location, LongLease);
        using var client = await PubSubClient.CreateAsync(_queues.Options(null), CancellationToken.None);
        await client.PublishAsync($"projects/{location.Project}/topics/{spec.TopicId}", [new PubSubWire.OutgoingMessage(Convert.ToBase64String("not json"u8.ToArray()), null)], CancellationToken.None);
        await queue.PublishAsync([Message(9)], CancellationToken.None);

        var received = await ReceiveOneAsync(queue);
        await queue.AckAsync(received, CancellationToken.None);

        Assert.Equal(9, received.Message.RunId);
    }

    [Fact]
    public async Task ReceiveAsync_NoDeadLetterPolicy_CountsThisProcessesDeliveries()
    {
        var queue = await _queues.NewQueueAsync(LongLease, maxDeliveryAttempts: null);
        await queue.PublishAsync([Message(10)], CancellationToken.None);

        var first = await ReceiveOneAsync(queue);
        await queue.ReleaseAsync(first, TimeSpan.Zero, CancellationToken.None);
        var second = await ReceiveOneAsync(queue);
        await queue.ReleaseAsync(second, TimeSpan.Zero, CancellationToken.None);
        var third = await ReceiveOneAsync(queue);
        await queue.AckAsync(third, CancellationToken.None);

        Assert.Equal([1, 2, 3], new[] { first.DeliveryCount, second.DeliveryCount, third.DeliveryCount });
    }

    [Fact]
    public async Task ReceiveAsync_MissingSubscription_ThrowsFatal()
    {
        var missing = new PubSubQueueLocation(_queues.Emulator.Project, PubSubEmulator.UniqueName("missing"));
        var queue = await OpenAsync(missing, LongLease);

        var error = await Assert.ThrowsAsync<StoreException>(() => queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None));
        var publish = await Assert.ThrowsAsync<StoreException>(() => queue.PublishAsync([Message(1)], CancellationToken.None));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Equal(StoreErrorKind.Fatal, publish.Kind);
        Assert.Contains("NOT_FOUND", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task ReceiveAsync_NothingListening_RetriesThenThrowsTransient()
    {
        var port = FreePort();
        var options = new PubSubQueueOptions
        {
            EmulatorHost = $"127.0.0.1:{port}",
            MaxAttempts = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        };
        var queue = await PubSubWorkQueue.CreateAsync(new PubSubQueueLocation("p", "sub"), options, null, CancellationToken.None);
        _open.Add(queue);

        var error = await Assert.ThrowsAsync<StoreException>(() => queue.ReceiveAsync(1, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("connection failed", error.Message);
    }

    [Fact]
    public async Task ReceiveAsync_CancelledWhileWaiting_StopsPromptly()
    {
        var queue = await _queues.NewQueueAsync(LongLease);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task GetApproximateDepthAsync_EmulatorWithoutMonitoring_IsUnknown()
    {
        var (location, _) = await _queues.CreateSubscriptionAsync();
        var queue = await PubSubWorkQueue.CreateAsync(location, _queues.Options(LongLease) with { MonitoringEndpoint = null }, null, CancellationToken.None);
        _open.Add(queue);
        await queue.PublishAsync([Message(1)], CancellationToken.None);

        Assert.Equal(-1, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task GetApproximateDepthAsync_PublishedAndAcked_FollowsTheBacklog()
    {
        var queue = await _queues.NewQueueAsync(LongLease);
        await queue.PublishAsync([Message(1), Message(2), Message(3)], CancellationToken.None);
        var afterPublish = await queue.GetApproximateDepthAsync(CancellationToken.None);

        var received = await ReceiveOneAsync(queue);
        await queue.AckAsync(received, CancellationToken.None);
        var afterAck = await queue.GetApproximateDepthAsync(CancellationToken.None);

        Assert.Equal(3, afterPublish);
        Assert.Equal(2, afterAck);
    }

    private async Task<PubSubWorkQueue> OpenAsync(PubSubQueueLocation location, TimeSpan lease)
    {
        var queue = await _queues.OpenAsync(location, lease);
        _open.Add(queue);
        return queue;
    }

    private async Task<PubSubWire.ReceivedMessage> RawPullAsync(PubSubQueueLocation location)
    {
        using var client = await PubSubClient.CreateAsync(_queues.Options(null), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var pulled = await client.PullAsync(location.SubscriptionName, 1, CancellationToken.None);
            if (pulled.Count > 0)
            {
                return Assert.Single(pulled);
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException("no message");
    }

    private static async Task<List<long>> DrainAsync(IWorkQueue queue, int count)
    {
        var seen = new List<long>();
        var clock = Stopwatch.StartNew();
        while (seen.Count < count && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            foreach (var received in await queue.ReceiveAsync(500, TimeSpan.FromMilliseconds(500), CancellationToken.None))
            {
                seen.Add(received.Message.RunId);
                await queue.AckAsync(received, CancellationToken.None);
            }
        }

        return seen;
    }

    private static async Task<ReceivedMessage> ReceiveOneAsync(IWorkQueue queue, TimeSpan? wait = null)
    {
        var batch = await queue.ReceiveAsync(1, wait ?? TimeSpan.FromSeconds(5), CancellationToken.None);
        return Assert.Single(batch);
    }

    private static WorkMessage Message(int id) =>
        new(JobId: 1, RunId: id, Tasks: [new WorkTask(id, $"key-{id}", id, null, TaskAction.Copy)], TraceParent: null);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
