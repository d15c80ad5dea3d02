using System.Net;
using System.Text;
using HeavySync.Aws.Sqs;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.SqsTestServer;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>How <see cref="SqsClient"/> classifies and retries failures (DESIGN.md §6), against a private test server.</summary>
public sealed class SqsClientErrorTests : IAsyncLifetime
{
    private static readonly string[] DepthNames = ["ApproximateNumberOfMessages"];
    private SqsTestServerHost _server = null!;

    public async Task InitializeAsync() => _server = await SqsServer.StartPrivateAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetQueueAttributesAsync_ThrottledEveryAttempt_ThrottledKindAfterMaxAttempts()
    {
        using var client = SqsServer.Client(_server.Url, SqsServer.FastRetries with { MaxAttempts = 3 });
        var url = await client.CreateQueueAsync(SqsServer.UniqueName("throttle"), null, CancellationToken.None);
        _server.Faults.FailNextRequests("GetQueueAttributes", 10, InjectedFault.Throttle);

        var error = await Assert.ThrowsAsync<StoreException>(() => client.GetQueueAttributesAsync(url, DepthNames, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Throttled, error.Kind);
        Assert.Equal("RequestThrottled", Assert.IsType<SqsServiceException>(error.InnerException).Code);
        Assert.Equal(3, _server.CountOf("GetQueueAttributes"));
    }

    [Fact]
    public async Task GetQueueAttributesAsync_TwoServerErrors_RetriedAndSucceeds()
    {
        using var client = SqsServer.Client(_server.Url, SqsServer.FastRetries with { MaxAttempts = 3 });
        var url = await client.CreateQueueAsync(SqsServer.UniqueName("flaky"), null, CancellationToken.None);
        _server.Faults.FailNextRequests("GetQueueAttributes", 2, InjectedFault.InternalError);

        var attributes = await client.GetQueueAttributesAsync(url, DepthNames, CancellationToken.None);

        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal(3, _server.CountOf("GetQueueAttributes"));
    }

    [Fact]
    public async Task GetApproximateDepthAsync_QueueMissing_FatalOneLineNamingTheCause()
    {
        await using var queue = SqsServer.Queue(new Uri(_server.Url + "/000000000000/" + SqsServer.UniqueName("missing")), TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<StoreException>(() => queue.GetApproximateDepthAsync(CancellationToken.None));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Contains("the queue does not exist (AWS.SimpleQueueService.NonExistentQueue)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(1, _server.CountOf("GetQueueAttributes"));
    }

    [Fact]
    public async Task ReceiveMessageAsync_Md5OfBodyMismatch_TransientAndMessageComesAgainIntact()
    {
        using var client = SqsServer.Client(_server.Url, SqsServer.FastRetries with { MaxAttempts = 1 });
        var url = await client.CreateQueueAsync(SqsServer.UniqueName("md5"), null, CancellationToken.None);
        await client.SendMessageBatchAsync(url, [new("m", "précieux contenu")], CancellationToken.None);
        _server.Faults.CorruptNextReceivedBodies(1);

        var error = await Assert.ThrowsAsync<StoreException>(() => client.ReceiveMessageAsync(url, new ReceiveRequest(1, 0, 1, [], ["ApproximateReceiveCount"]), CancellationToken.None));
        var again = await client.ReceiveMessageAsync(url, new ReceiveRequest(1, 5, 30, [], ["ApproximateReceiveCount"]), CancellationToken.None);

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("MD5OfBody mismatch", error.Message, StringComparison.Ordinal);
        var message = Assert.Single(again);
        Assert.Equal("précieux contenu", message.Body);
        Assert.Equal("2", message.Attributes!["ApproximateReceiveCount"]);
    }

    [Fact]
    public async Task Server_RequestWithoutAuthorization_RefusedWithMissingAuthenticationToken()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.Url + "/")
        {
            Content = new StringContent("{\"QueueName\":\"x\"}", Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Headers.Add("X-Amz-Target", "AmazonSQS.CreateQueue");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("MissingAuthenticationToken;Sender", Assert.Single(response.Headers.GetValues("x-amzn-query-error")));
        Assert.Contains("\"__type\":\"com.amazonaws.sqs#MissingAuthenticationToken\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_server.Store.List(null));
    }

    [Fact]
    public async Task Server_MalformedAuthorization_RefusedAndClientCallsItFatal()
    {
        using var client = new SqsClient(new Uri(_server.Url), "us-east-1", SqsServer.Credentials, SqsServer.FastRetries, handler: new BreakSignature());

        var error = await Assert.ThrowsAsync<StoreException>(() => client.CreateQueueAsync("never", null, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Contains("the credentials were rejected (IncompleteSignature)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _server.CountOf("CreateQueue"));
    }

    /// <summary>Cuts the signature off the Authorization header, as a broken signer would.</summary>
    private sealed class BreakSignature() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var value = request.Headers.GetValues("Authorization").Single();
            request.Headers.Remove("Authorization");
            request.Headers.TryAddWithoutValidation("Authorization", value[..value.IndexOf(", Signature=", StringComparison.Ordinal)]);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
