using System.Collections.Concurrent;
using System.Text;
using HeavySync.Aws.Sqs;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Queue;
using HeavySync.SqsTestServer;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>What <see cref="SqsWorkQueue"/> adds over the contract: the trace context as a message
/// attribute, batching of sends and deletes, acks that complete only once deleted, poison bodies.
/// Runs on a private server so requests can be counted.</summary>
public sealed class SqsWorkQueueTests : IAsyncLifetime
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private SqsTestServerHost _server = null!;
    private SqsClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await SqsServer.StartPrivateAsync();
        _client = SqsServer.Client(_server.Url);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task PublishAsync_TraceParent_TravelsInBodyAndAsStringAttributeWithValidMd5()
    {
        var url = await NewQueueUrlAsync("trace");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));

        await queue.PublishAsync([Message(1, TraceParent)], CancellationToken.None);
        var raw = Assert.Single(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 0, ["All"], []), CancellationToken.None));

        var attribute = raw.MessageAttributes![SqsWorkQueue.TraceParentAttribute];
        Assert.Equal(("String", TraceParent), (attribute.DataType, attribute.StringValue));
        Assert.Equal(SqsChecksums.AttributesMd5(raw.MessageAttributes), raw.MD5OfMessageAttributes);
        Assert.Equal(TraceParent, WorkMessageCodec.Decode(Encoding.UTF8.GetBytes(raw.Body)).TraceParent);
    }

    [Fact]
    public async Task ReceiveAsync_TraceParentOnlyInAttribute_RestoredOnTheMessage()
    {
        var url = await NewQueueUrlAsync("trace-attr");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));
        var attributes = new Dictionary<string, MessageAttributeValue> { [SqsWorkQueue.TraceParentAttribute] = new("String", TraceParent) };
        await _client.SendMessageBatchAsync(url, [new("m", WorkMessageCodec.EncodeString(Message(2, null)), attributes)], CancellationToken.None);

        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(2), CancellationToken.None));

        Assert.Equal(TraceParent, received.Message.TraceParent);
        Assert.Equal(2, received.Message.RunId);
    }

    [Fact]
    public async Task PublishAsync_25Messages_ThreeRequestsOfAtMostTen()
    {
        var url = await NewQueueUrlAsync("pack");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));

        await queue.PublishAsync([.. Enumerable.Range(1, 25).Select(i => Message(i, null))], CancellationToken.None);

        Assert.Equal(3, _server.CountOf("SendMessageBatch"));
        Assert.Equal(25, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PublishAsync_MessagesOf100KiB_BatchesStayUnder256KiBAndNothingIsLost()
    {
        var url = await NewQueueUrlAsync("bytes");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));
        var big = Enumerable.Range(1, 5).Select(i => new WorkMessage(1, i, [.. Enumerable.Range(0, 100).Select(t => new WorkTask(t, new string('k', 1000), 1, null, TaskAction.Copy))], null)).ToList();

        await queue.PublishAsync(big, CancellationToken.None);
        var runs = await DrainRunIdsAsync(queue);

        Assert.Equal(3, _server.CountOf("SendMessageBatch"));
        Assert.Equal([1, 2, 3, 4, 5], runs.Order());
    }

    [Fact]
    public async Task PublishAsync_MessageOver256KiB_SplitByTasksAllTasksArrive()
    {
        var url = await NewQueueUrlAsync("split");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));
        var huge = new WorkMessage(1, 9, [.. Enumerable.Range(0, 400).Select(t => new WorkTask(t, $"{t:D4}/" + new string('k', 1000), 1, null, TaskAction.Copy))], TraceParent);

        await queue.PublishAsync([huge], CancellationToken.None);
        var tasks = new List<long>();
        ReceivedMessage[] batch;
        while ((batch = [.. await queue.ReceiveAsync(10, TimeSpan.FromSeconds(1), CancellationToken.None)]).Length > 0)
        {
            foreach (var received in batch)
            {
                Assert.Equal(TraceParent, received.Message.TraceParent);
                tasks.AddRange(received.Message.Tasks.Select(t => t.TaskId));
                await queue.AckAsync(received, CancellationToken.None);
            }
        }

        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), tasks.Order());
    }

    [Fact]
    public async Task AckAsync_Returned_MessageAlreadyDeletedAtTheServer()
    {
        var url = await NewQueueUrlAsync("durable");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30), SqsServer.FastRetries with { AckLinger = TimeSpan.FromMilliseconds(200) });
        await queue.PublishAsync([Message(1, null)], CancellationToken.None);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(2), CancellationToken.None));

        await queue.AckAsync(received, CancellationToken.None);

        Assert.Equal((0L, 0L, 0L), _server.Store.ByUrl(url.AbsoluteUri).Counts());
    }

    [Fact]
    public async Task AckAsync_ManyConcurrentAcks_ShareDeleteMessageBatchRequests()
    {
        var url = await NewQueueUrlAsync("acks");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(60), SqsServer.FastRetries with { AckLinger = TimeSpan.FromMilliseconds(50) });
        await queue.PublishAsync([.. Enumerable.Range(1, 50).Select(i => Message(i, null))], CancellationToken.None);
        var received = new List<ReceivedMessage>();
        while (received.Count < 50)
        {
            received.AddRange(await queue.ReceiveAsync(10, TimeSpan.FromSeconds(1), CancellationToken.None));
        }

        await Task.WhenAll(received.Select(r => queue.AckAsync(r, CancellationToken.None)));

        Assert.InRange(_server.CountOf("DeleteMessageBatch"), 5, 10);
        Assert.Equal(0, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AckAsync_DeleteFailsOnServiceSide_RetriedAndStillAcked()
    {
        var url = await NewQueueUrlAsync("ack-retry");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(60));
        await queue.PublishAsync([Message(1, null)], CancellationToken.None);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(2), CancellationToken.None));
        _server.Faults.FailNextBatchEntries("DeleteMessageBatch", 2);

        await queue.AckAsync(received, CancellationToken.None);

        Assert.Equal(3, _server.CountOf("DeleteMessageBatch"));
        Assert.Equal(0, await queue.GetApproximateDepthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReceiveAsync_BodyNotAWorkMessage_SkippedAndLeftForTheDeadLetterQueue()
    {
        var url = await NewQueueUrlAsync("poison");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));
        await _client.SendMessageBatchAsync(url, [new("bad", "{not json"), new("good", WorkMessageCodec.EncodeString(Message(3, null)))], CancellationToken.None);

        var received = await DrainRunIdsAsync(queue);

        Assert.Equal([3], received);
        Assert.Equal((0L, 1L, 0L), _server.Store.ByUrl(url.AbsoluteUri).Counts());
    }

    [Fact]
    public async Task ReceiveAsync_FourQueueObjectsLikeFourCopiers_SomeLeasesLost_EveryMessageAckedExactlyOnce()
    {
        const int count = 200;
        var url = await NewQueueUrlAsync("copiers");
        await using (var publisher = SqsServer.Queue(url, TimeSpan.FromSeconds(1)))
        {
            await publisher.PublishAsync([.. Enumerable.Range(1, count).Select(i => Message(i, null))], CancellationToken.None);
        }

        var acked = new ConcurrentDictionary<long, int>();
        var deliveries = new ConcurrentDictionary<long, int>();
        var lost = new ConcurrentDictionary<long, byte>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var copiers = Enumerable.Range(0, 4).Select(copier => Task.Run(async () =>
        {
            // Each copier has its own queue object, HTTP client and ack batcher, as separate pods would.
            // Leases of 3 s: long enough that only the deliberately lost ones expire, even on a busy machine.
            await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(3));
            while (acked.Count < count && !stop.IsCancellationRequested)
            {
                foreach (var received in await queue.ReceiveAsync(10, TimeSpan.FromMilliseconds(500), stop.Token))
                {
                    var id = received.Message.RunId;
                    deliveries.AddOrUpdate(id, 1, (_, n) => n + 1);
                    if (id % 10 == copier && lost.TryAdd(id, 0))
                    {
                        continue;
                    }

                    await queue.AckAsync(received, stop.Token);
                    acked.AddOrUpdate(id, 1, (_, n) => n + 1);
                }
            }
        })).ToList();
        await Task.WhenAll(copiers);

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), acked.Keys.Order());
        Assert.All(acked, pair => Assert.Equal(1, pair.Value));
        Assert.All(lost.Keys, id => Assert.True(deliveries[id] >= 2, $"message {id} delivered {deliveries[id]} times"));
        Assert.NotEmpty(lost);
        Assert.Equal((0L, 0L, 0L), _server.Store.ByUrl(url.AbsoluteUri).Counts());
    }

    [Fact]
    public async Task ReceiveAsync_WaitLongerThanOnePoll_PollsAgainAndGetsALateMessage()
    {
        var url = await NewQueueUrlAsync("repoll");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30), SqsServer.FastRetries with { MaxWaitPerPoll = TimeSpan.FromSeconds(1) });

        var receiving = queue.ReceiveAsync(1, TimeSpan.FromSeconds(4), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.8));
        await _client.SendMessageBatchAsync(url, [new("late", WorkMessageCodec.EncodeString(Message(4, null)))], CancellationToken.None);
        var received = await receiving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(4, Assert.Single(received).Message.RunId);
        Assert.True(_server.CountOf("ReceiveMessage") >= 2, $"{_server.CountOf("ReceiveMessage")} polls");
    }

    [Fact]
    public async Task ReceiveAsync_CancelledDuringLongPoll_ThrowsOperationCanceledPromptly()
    {
        var url = await NewQueueUrlAsync("cancel");
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.ReceiveAsync(1, TimeSpan.FromSeconds(20), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancelled after {clock.Elapsed}");
    }

    [Fact]
    public async Task DisposeAsync_AckWaitingForItsBatch_DeleteStillSent()
    {
        var url = await NewQueueUrlAsync("dispose");
        var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30), SqsServer.FastRetries with { AckLinger = TimeSpan.FromMilliseconds(500) });
        await queue.PublishAsync([Message(1, null)], CancellationToken.None);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(2), CancellationToken.None));

        var ack = queue.AckAsync(received, CancellationToken.None);
        await queue.DisposeAsync();

        Assert.True(ack.IsCompletedSuccessfully);
        Assert.Equal((0L, 0L, 0L), _server.Store.ByUrl(url.AbsoluteUri).Counts());
    }

    [Fact]
    public async Task PublishAsync_QueueMissing_FatalStoreException()
    {
        await using var queue = SqsServer.Queue(new Uri(_server.Url + "/000000000000/absent"), TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<StoreException>(() => queue.PublishAsync([Message(1, null)], CancellationToken.None));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
    }

    private async Task<List<long>> DrainRunIdsAsync(IWorkQueue queue)
    {
        var runs = new ConcurrentBag<long>();
        IReadOnlyList<ReceivedMessage> batch;
        while ((batch = await queue.ReceiveAsync(10, TimeSpan.FromSeconds(1), CancellationToken.None)).Count > 0)
        {
            foreach (var received in batch)
            {
                runs.Add(received.Message.RunId);
                await queue.AckAsync(received, CancellationToken.None);
            }
        }

        return [.. runs];
    }

    private Task<Uri> NewQueueUrlAsync(string label) => _client.CreateQueueAsync(SqsServer.UniqueName(label), null, CancellationToken.None);

    private static WorkMessage Message(int run, string? traceParent) =>
        new(1, run, [new WorkTask(run, $"key-{run}", run, "fp", TaskAction.Copy)], traceParent);
}
