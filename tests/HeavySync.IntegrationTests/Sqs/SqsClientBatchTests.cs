using HeavySync.Aws.Sqs;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.SqsTestServer;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary><see cref="SqsClient"/> batch requests against a private test server: partial failures,
/// refused entries and the documented request-level batch errors.</summary>
public sealed class SqsClientBatchTests : IAsyncLifetime
{
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
    public async Task SendMessageBatchAsync_ThreeEntriesFailOnServiceSide_ResendsOnlyThoseAndStoresEachOnce()
    {
        var url = await _client.CreateQueueAsync(SqsServer.UniqueName("partial"), null, CancellationToken.None);
        _server.Faults.FailNextBatchEntries("SendMessageBatch", 3);
        var entries = Enumerable.Range(0, 10).Select(i => new SendMessageBatchEntry("e" + i, "body " + i)).ToList();

        var sent = await _client.SendMessageBatchAsync(url, entries, CancellationToken.None);

        Assert.Equal(entries.Select(e => e.Id).Order(), sent.Select(s => s.Id).Order());
        Assert.Equal(2, _server.CountOf("SendMessageBatch"));
        var bodies = await DrainBodiesAsync(url);
        Assert.Equal(entries.Select(e => e.MessageBody).Order(), bodies.Order());
    }

    [Fact]
    public async Task SendMessageBatchAsync_EntryFailsEveryAttempt_TransientAfterMaxAttempts()
    {
        using var client = SqsServer.Client(_server.Url, SqsServer.FastRetries with { MaxAttempts = 3 });
        var url = await client.CreateQueueAsync(SqsServer.UniqueName("stubborn"), null, CancellationToken.None);
        _server.Faults.FailNextBatchEntries("SendMessageBatch", 100);

        var error = await Assert.ThrowsAsync<StoreException>(() => client.SendMessageBatchAsync(url, [new SendMessageBatchEntry("only", "x")], CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.CountOf("SendMessageBatch"));
    }

    [Fact]
    public async Task SendMessageBatchAsync_EntryRefusedAsSenderFault_NotRetriedRaisedPermanentOthersSent()
    {
        var url = await _client.CreateQueueAsync(SqsServer.UniqueName("refused"), new Dictionary<string, string> { ["MaximumMessageSize"] = "1024" }, CancellationToken.None);
        SendMessageBatchEntry[] entries = [new("a", "small a"), new("big", new string('x', 2000)), new("b", "small b")];

        var error = await Assert.ThrowsAsync<StoreException>(() => _client.SendMessageBatchAsync(url, entries, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains("1 of 3 messages refused", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(1, _server.CountOf("SendMessageBatch"));
        Assert.Equal(["small a", "small b"], (await DrainBodiesAsync(url)).Order());
    }

    [Fact]
    public async Task SendMessageBatchAsync_DuplicateIds_RefusedWithBatchEntryIdsNotDistinct()
    {
        var url = await _client.CreateQueueAsync(SqsServer.UniqueName("dupes"), null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<StoreException>(() => _client.SendMessageBatchAsync(url, [new("same", "1"), new("same", "2")], CancellationToken.None));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Equal("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", Assert.IsType<SqsServiceException>(error.InnerException).Code);
        Assert.Equal("BatchEntryIdsNotDistinct", ((SqsServiceException)error.InnerException!).Type);
    }

    [Fact]
    public async Task DeleteMessageBatchAsync_InvalidHandleAmongValid_OnlyThatEntryFailsAsSenderFault()
    {
        var url = await _client.CreateQueueAsync(SqsServer.UniqueName("delete"), null, CancellationToken.None);
        await _client.SendMessageBatchAsync(url, [new("a", "1"), new("b", "2")], CancellationToken.None);
        var received = await _client.ReceiveMessageAsync(url, new ReceiveRequest(10, 1, 30, [], []), CancellationToken.None);

        var result = await _client.DeleteMessageBatchAsync(
            url,
            [.. received.Select((m, i) => new DeleteMessageBatchEntry("d" + i, m.ReceiptHandle)), new DeleteMessageBatchEntry("bad", "not-a-handle")],
            CancellationToken.None);

        Assert.Equal(received.Count, result.Successful.Count);
        var failed = Assert.Single(result.Failed);
        Assert.Equal(("bad", "ReceiptHandleIsInvalid", true), (failed.Id, failed.Code, failed.SenderFault));
        Assert.Equal(2, received.Count);
        Assert.Empty(await DrainBodiesAsync(url));
    }

    private async Task<List<string>> DrainBodiesAsync(Uri url)
    {
        var bodies = new List<string>();
        while (true)
        {
            var batch = await _client.ReceiveMessageAsync(url, new ReceiveRequest(10, 0, 60, [], []), CancellationToken.None);
            if (batch.Count == 0)
            {
                return bodies;
            }

            bodies.AddRange(batch.Select(m => m.Body));
        }
    }
}
