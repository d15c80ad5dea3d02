using System.Net;
using HeavySync.Google.PubSub;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

public sealed class PubSubErrorMapperTests
{
    [Theory]
    [InlineData(429, null, StoreErrorKind.Throttled)]
    [InlineData(500, null, StoreErrorKind.Transient)]
    [InlineData(503, "UNAVAILABLE", StoreErrorKind.Transient)]
    [InlineData(504, "DEADLINE_EXCEEDED", StoreErrorKind.Transient)]
    [InlineData(408, null, StoreErrorKind.Transient)]
    [InlineData(404, "NOT_FOUND", StoreErrorKind.Fatal)]
    [InlineData(403, "PERMISSION_DENIED", StoreErrorKind.Fatal)]
    [InlineData(401, "UNAUTHENTICATED", StoreErrorKind.Fatal)]
    [InlineData(400, "INVALID_ARGUMENT", StoreErrorKind.Permanent)]
    [InlineData(400, "RESOURCE_EXHAUSTED", StoreErrorKind.Throttled)]
    [InlineData(409, "ABORTED", StoreErrorKind.Transient)]
    public void Classify_StatusAndCode_GivesKind(int status, string? code, StoreErrorKind expected) =>
        Assert.Equal(expected, PubSubErrorMapper.Classify((HttpStatusCode)status, code));

    [Fact]
    public void FromResponse_GoogleErrorBody_OneLineWithStatusAndMessage()
    {
        var body = """{"error":{"code":404,"message":"Subscription does not exist\nat all","status":"NOT_FOUND"}}""";

        var error = PubSubErrorMapper.FromResponse(HttpStatusCode.NotFound, body, TimeSpan.FromSeconds(3), "pull projects/p/subscriptions/s");

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Equal("pubsub pull projects/p/subscriptions/s: NOT_FOUND (404): Subscription does not exist at all", error.Message);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public void FromResponse_ThrottledWithRetryAfter_KeepsTheDelay()
    {
        var error = PubSubErrorMapper.FromResponse((HttpStatusCode)429, "<html>busy</html>", TimeSpan.FromSeconds(7), "publish t");

        Assert.Equal(StoreErrorKind.Throttled, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public void FromException_CallerCancelled_PassesThrough()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Null(PubSubErrorMapper.FromException(new OperationCanceledException(), "pull", cancelled.Token));
        Assert.Equal(StoreErrorKind.Transient, PubSubErrorMapper.FromException(new OperationCanceledException(), "pull", CancellationToken.None)!.Kind);
        Assert.Equal(StoreErrorKind.Transient, PubSubErrorMapper.FromException(new HttpRequestException("reset"), "pull", CancellationToken.None)!.Kind);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0.2, 1)]
    [InlineData(1, 1)]
    [InlineData(1.5, 2)]
    [InlineData(3600, 600)]
    public void DeadlineSeconds_RoundsUpWithinPubSubRange(double seconds, int expected) =>
        Assert.Equal(expected, PubSubWorkQueue.DeadlineSeconds(TimeSpan.FromSeconds(seconds)));
}
