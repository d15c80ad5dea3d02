using System.Net;
using System.Text.Json.Nodes;
using HeavySync.SqsTestServer;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>The test server's answers to requests the API reference defines errors for, and the
/// queue-management actions the client does not wrap (SetQueueAttributes, PurgeQueue, ListQueues).</summary>
public sealed class SqsTestServerProtocolTests : IAsyncLifetime
{
    private SqsTestServerHost _server = null!;

    public async Task InitializeAsync() => _server = await SqsServer.StartPrivateAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SendMessageBatch_ElevenEntries_TooManyEntriesInBatchRequest()
    {
        var url = await NewQueueAsync("eleven");

        var (status, error, answer) = await Call("SendMessageBatch", new { QueueUrl = url, Entries = Enumerable.Range(0, 11).Select(i => new { Id = "e" + i, MessageBody = "x" }) });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender", error);
        Assert.Equal("com.amazonaws.sqs#TooManyEntriesInBatchRequest", (string?)answer!["__type"]);
    }

    [Fact]
    public async Task SendMessageBatch_NoEntriesOrBadIdOrTooLong_DocumentedBatchErrors()
    {
        var url = await NewQueueAsync("batch-errors");

        var empty = await Call("SendMessageBatch", new { QueueUrl = url, Entries = Array.Empty<object>() });
        var badId = await Call("SendMessageBatch", new { QueueUrl = url, Entries = new[] { new { Id = "has space", MessageBody = "x" } } });
        var tooLong = await Call("SendMessageBatch", new { QueueUrl = url, Entries = Enumerable.Range(0, 2).Select(i => new { Id = "e" + i, MessageBody = new string('x', 140_000) }) });

        Assert.Equal("AWS.SimpleQueueService.EmptyBatchRequest;Sender", empty.QueryError);
        Assert.Equal("AWS.SimpleQueueService.InvalidBatchEntryId;Sender", badId.QueryError);
        Assert.Equal("AWS.SimpleQueueService.BatchRequestTooLong;Sender", tooLong.QueryError);
        Assert.Equal(0, _server.Store.ByUrl(url).Counts().Visible);
    }

    [Fact]
    public async Task SendMessage_InvalidCharacter_InvalidMessageContents()
    {
        var url = await NewQueueAsync("chars");

        var (status, error, _) = await Call("SendMessage", new { QueueUrl = url, MessageBody = "bell \u0007" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidMessageContents;Sender", error);
    }

    [Fact]
    public async Task ReceiveMessage_ElevenMessagesAsked_InvalidParameterValue()
    {
        var url = await NewQueueAsync("max");

        var (_, error, _) = await Call("ReceiveMessage", new { QueueUrl = url, MaxNumberOfMessages = 11 });

        Assert.Equal("InvalidParameterValue;Sender", error);
    }

    [Fact]
    public async Task UnknownAction_Refused()
    {
        var (status, error, _) = await Call("FlyToTheMoon", new { });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidAction;Sender", error);
    }

    [Fact]
    public async Task CreateQueue_SameNameOtherAttributes_QueueNameExists()
    {
        await NewQueueAsync("exists", "30");
        var name = _server.Store.List("exists-").Single().Name;

        var same = await Call("CreateQueue", new { QueueName = name, Attributes = new Dictionary<string, string> { ["VisibilityTimeout"] = "30" } });
        var other = await Call("CreateQueue", new { QueueName = name, Attributes = new Dictionary<string, string> { ["VisibilityTimeout"] = "60" } });

        Assert.Equal(HttpStatusCode.OK, same.Status);
        Assert.Equal("QueueAlreadyExists;Sender", other.QueryError);
        Assert.Equal("com.amazonaws.sqs#QueueNameExists", (string?)other.Answer!["__type"]);
    }

    [Fact]
    public async Task SetQueueAttributes_RedrivePolicyToMissingQueue_RefusedToExistingQueue_Reported()
    {
        var url = await NewQueueAsync("redrive-set");
        var dlq = await NewQueueAsync("redrive-target");
        var dlqArn = (string)(await Call("GetQueueAttributes", new { QueueUrl = dlq, AttributeNames = new[] { "QueueArn" } })).Answer!["Attributes"]!["QueueArn"]!;

        var missing = await Call("SetQueueAttributes", new { QueueUrl = url, Attributes = new Dictionary<string, string> { ["RedrivePolicy"] = "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:nope\",\"maxReceiveCount\":3}" } });
        var policy = $"{{\"deadLetterTargetArn\":\"{dlqArn}\",\"maxReceiveCount\":\"3\"}}";
        var set = await Call("SetQueueAttributes", new { QueueUrl = url, Attributes = new Dictionary<string, string> { ["RedrivePolicy"] = policy } });
        var read = await Call("GetQueueAttributes", new { QueueUrl = url, AttributeNames = new[] { "All" } });

        Assert.Equal("InvalidParameterValue;Sender", missing.QueryError);
        Assert.Equal(HttpStatusCode.OK, set.Status);
        Assert.Equal(policy, (string?)read.Answer!["Attributes"]!["RedrivePolicy"]);
    }

    [Fact]
    public async Task PurgeQueueThenDeleteQueue_EmptiesThenRemoves()
    {
        var url = await NewQueueAsync("purge");
        await Call("SendMessage", new { QueueUrl = url, MessageBody = "a" });
        await Call("SendMessage", new { QueueUrl = url, MessageBody = "b" });

        var purge = await Call("PurgeQueue", new { QueueUrl = url });
        var afterPurge = _server.Store.ByUrl(url).Counts();
        var delete = await Call("DeleteQueue", new { QueueUrl = url });
        var lookup = await Call("GetQueueUrl", new { QueueName = url.Split('/')[^1] });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (purge.Status, delete.Status));
        Assert.Equal((0L, 0L, 0L), afterPurge);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", lookup.QueryError);
    }

    [Fact]
    public async Task ListQueues_PrefixAndMaxResults_PagesWithNextToken()
    {
        foreach (var i in Enumerable.Range(0, 3))
        {
            await Call("CreateQueue", new { QueueName = $"list-me-{i}" });
        }

        await Call("CreateQueue", new { QueueName = "other" });

        var first = await Call("ListQueues", new { QueueNamePrefix = "list-me-", MaxResults = 2 });
        var second = await Call("ListQueues", new { QueueNamePrefix = "list-me-", MaxResults = 2, NextToken = (string?)first.Answer!["NextToken"] });

        var names = first.Answer!["QueueUrls"]!.AsArray().Concat(second.Answer!["QueueUrls"]!.AsArray()).Select(u => ((string)u!).Split('/')[^1]);
        Assert.Equal(["list-me-0", "list-me-1", "list-me-2"], names);
        Assert.Null(second.Answer["NextToken"]);
    }

    [Fact]
    public async Task ReceiveMessage_AttributesAskedByPrefix_OnlyThoseWithTheirMd5()
    {
        var url = await NewQueueAsync("attrs");
        await Call("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = "body",
            MessageAttributes = new Dictionary<string, object>
            {
                ["trace.parent"] = new { DataType = "String", StringValue = "t" },
                ["trace.state"] = new { DataType = "String", StringValue = "s" },
                ["other"] = new { DataType = "Number", StringValue = "1" },
            },
        });

        var (_, _, answer) = await Call("ReceiveMessage", new { QueueUrl = url, MessageAttributeNames = new[] { "trace.*" } });

        var message = answer!["Messages"]![0]!;
        var attributes = message["MessageAttributes"]!.AsObject().ToDictionary(p => p.Key, p => new Aws.Sqs.Protocol.MessageAttributeValue((string)p.Value!["DataType"]!, (string?)p.Value["StringValue"]));
        Assert.Equal(["trace.parent", "trace.state"], attributes.Keys.Order());
        Assert.Equal(Aws.Sqs.SqsChecksums.AttributesMd5(attributes), (string?)message["MD5OfMessageAttributes"]);
        Assert.Equal(Aws.Sqs.SqsChecksums.BodyMd5("body"), (string?)message["MD5OfBody"]);
    }

    private async Task<string> NewQueueAsync(string label, string? visibility = null)
    {
        var attributes = visibility is null ? null : new Dictionary<string, string> { ["VisibilityTimeout"] = visibility };
        var (status, _, answer) = await Call("CreateQueue", new { QueueName = SqsServer.UniqueName(label), Attributes = attributes });
        Assert.Equal(HttpStatusCode.OK, status);
        return (string)answer!["QueueUrl"]!;
    }

    private Task<(HttpStatusCode Status, string? QueryError, JsonNode? Answer)> Call(string action, object body) => SqsRawCall.PostAsync(_server.Url, action, body);
}
