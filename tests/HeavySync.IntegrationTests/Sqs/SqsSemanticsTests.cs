using System.Diagnostics;
using HeavySync.Aws.Sqs;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>SQS semantics the client relies on, end to end on the shared test server: long polling,
/// visibility heartbeats, receipt handles, redrive to a dead-letter queue, approximate counts.</summary>
public sealed class SqsSemanticsTests : IAsyncLifetime
{
    private static readonly string[] ReceiveCount = ["ApproximateReceiveCount"];
    private SqsClient _client = null!;

    public async Task InitializeAsync() => _client = SqsServer.Client((await SqsServer.GetAsync()).Endpoint);

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ReceiveMessageAsync_LongPollWhileEmpty_WakesAsSoonAsAMessageArrives()
    {
        var url = await NewQueueAsync("longpoll");
        var clock = Stopwatch.StartNew();

        var polling = _client.ReceiveMessageAsync(url, new ReceiveRequest(10, 20, 30, [], []), CancellationToken.None);
        await Task.Delay(500);
        Assert.False(polling.IsCompleted);
        var sent = clock.Elapsed;
        await _client.SendMessageBatchAsync(url, [new("m", "wake up")], CancellationToken.None);
        var received = await polling.WaitAsync(TimeSpan.FromSeconds(5));

        // Still waiting half a second in, and woken by the message, long before its 20 s wait ends.
        // (Measured from the send: a 500 ms delay may end a fraction of a millisecond early by the
        // stopwatch, so the start is no lower bound.)
        Assert.Equal("wake up", Assert.Single(received).Body);
        Assert.InRange(clock.Elapsed - sent, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReceiveMessageAsync_LongPollOnEmptyQueue_ReturnsEmptyAfterWaitTimeSeconds()
    {
        var url = await NewQueueAsync("empty");
        var clock = Stopwatch.StartNew();

        var received = await _client.ReceiveMessageAsync(url, new ReceiveRequest(10, 1, 30, [], []), CancellationToken.None);

        Assert.Empty(received);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task ChangeMessageVisibilityAsync_Heartbeats_KeepMessageInvisiblePastItsTimeout()
    {
        var url = await NewQueueAsync("heartbeat");
        await _client.SendMessageBatchAsync(url, [new("m", "long copy")], CancellationToken.None);
        var leased = Assert.Single(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 2, [], ReceiveCount), CancellationToken.None));

        // Each heartbeat extends the lease to 2 s from now, every ~0.5 s, for twice the first lease.
        var seenDuringHeartbeats = new List<SqsMessage>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            await _client.ChangeMessageVisibilityAsync(url, leased.ReceiptHandle, 2, CancellationToken.None);
            seenDuringHeartbeats.AddRange(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 0, 1, [], ReceiveCount), CancellationToken.None));
            await Task.Delay(500);
        }

        var afterHeartbeats = await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 3, 30, [], ReceiveCount), CancellationToken.None);

        Assert.Empty(seenDuringHeartbeats);
        Assert.Equal("2", Assert.Single(afterHeartbeats).Attributes!["ApproximateReceiveCount"]);
    }

    [Fact]
    public async Task ReceiptHandles_StaleAfterRedelivery_DeleteSucceedsWithoutEffectAndVisibilityChangeRefused()
    {
        var url = await NewQueueAsync("stale");
        await _client.SendMessageBatchAsync(url, [new("m", "twice")], CancellationToken.None);
        var first = Assert.Single(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 0, [], ReceiveCount), CancellationToken.None));
        var second = Assert.Single(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 30, [], ReceiveCount), CancellationToken.None));

        var staleDelete = await _client.DeleteMessageBatchAsync(url, [new("old", first.ReceiptHandle)], CancellationToken.None);
        var stillThere = await DepthAsync(url);
        var staleChange = await Assert.ThrowsAsync<StoreException>(() => _client.ChangeMessageVisibilityAsync(url, first.ReceiptHandle, 0, CancellationToken.None));
        var currentDelete = await _client.DeleteMessageBatchAsync(url, [new("new", second.ReceiptHandle)], CancellationToken.None);

        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Empty(staleDelete.Failed);
        Assert.Equal(1, stillThere);
        Assert.Equal(StoreErrorKind.Permanent, staleChange.Kind);
        Assert.Equal("InvalidParameterValue", Assert.IsType<SqsServiceException>(staleChange.InnerException).Code);
        Assert.Empty(currentDelete.Failed);
        Assert.Equal(0, await DepthAsync(url));
    }

    [Fact]
    public async Task ChangeMessageVisibilityAsync_MessageVisibleAgain_MessageNotInflight()
    {
        var url = await NewQueueAsync("notinflight");
        await _client.SendMessageBatchAsync(url, [new("m", "x")], CancellationToken.None);
        var leased = Assert.Single(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 0, [], []), CancellationToken.None));

        var error = await Assert.ThrowsAsync<StoreException>(() => _client.ChangeMessageVisibilityAsync(url, leased.ReceiptHandle, 30, CancellationToken.None));

        Assert.Equal("AWS.SimpleQueueService.MessageNotInflight", Assert.IsType<SqsServiceException>(error.InnerException).Code);
    }

    [Fact]
    public async Task ReceiveMessageAsync_AfterMaxReceiveCountDeliveries_MessageMovesToDeadLetterQueue()
    {
        var deadLetterUrl = await NewQueueAsync("dlq");
        var attributes = await _client.GetQueueAttributesAsync(deadLetterUrl, ["QueueArn"], CancellationToken.None);
        var url = await NewQueueAsync("redrive", new Dictionary<string, string> { ["RedrivePolicy"] = SqsClient.RedrivePolicy(attributes["QueueArn"], 2) });
        await _client.SendMessageBatchAsync(url, [new("m", "poison")], CancellationToken.None);

        var counts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var delivery = Assert.Single(await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 0, [], ReceiveCount), CancellationToken.None));
            counts.Add(delivery.Attributes!["ApproximateReceiveCount"]);
        }

        var third = await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 0, [], ReceiveCount), CancellationToken.None);
        var deadLettered = await _client.ReceiveMessageAsync(deadLetterUrl, new ReceiveRequest(10, 1, 30, [], []), CancellationToken.None);

        Assert.Equal(["1", "2"], counts);
        Assert.Empty(third);
        Assert.Equal("poison", Assert.Single(deadLettered).Body);
        Assert.Equal(0, await DepthAsync(url));
    }

    [Fact]
    public async Task GetQueueAttributesAsync_VisibleInFlightAndDelayed_CountedApart()
    {
        var url = await NewQueueAsync("counts");
        await _client.SendMessageBatchAsync(url, [new("a", "1"), new("b", "2"), new("c", "3"), new("d", "4", DelaySeconds: 60)], CancellationToken.None);
        await _client.ReceiveMessageAsync(url, new ReceiveRequest(1, 1, 60, [], []), CancellationToken.None);

        var attributes = await _client.GetQueueAttributesAsync(
            url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"], CancellationToken.None);

        Assert.Equal(("2", "1", "1"), (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"], attributes["ApproximateNumberOfMessagesDelayed"]));
    }

    private async Task<Uri> NewQueueAsync(string label, IReadOnlyDictionary<string, string>? attributes = null) =>
        await _client.CreateQueueAsync(SqsServer.UniqueName(label), attributes, CancellationToken.None);

    private async Task<long> DepthAsync(Uri url)
    {
        var attributes = await _client.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], CancellationToken.None);
        return long.Parse(attributes["ApproximateNumberOfMessages"], System.Globalization.CultureInfo.InvariantCulture)
            + long.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], System.Globalization.CultureInfo.InvariantCulture);
    }
}
