using System.Net;
using System.Net.Http.Headers;
using HeavySync.Google.Storage;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

public sealed class GcsErrorMapperTests
{
    [Theory]
    [InlineData(HttpStatusCode.NotFound, null, StoreErrorKind.NotFound)]
    [InlineData(HttpStatusCode.Gone, null, StoreErrorKind.NotFound)]
    [InlineData(HttpStatusCode.RequestTimeout, null, StoreErrorKind.Transient)]
    [InlineData(HttpStatusCode.TooManyRequests, "rateLimitExceeded", StoreErrorKind.Throttled)]
    [InlineData(HttpStatusCode.InternalServerError, "backendError", StoreErrorKind.Transient)]
    [InlineData(HttpStatusCode.BadGateway, null, StoreErrorKind.Transient)]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, StoreErrorKind.Transient)]
    [InlineData(HttpStatusCode.GatewayTimeout, null, StoreErrorKind.Transient)]
    [InlineData(HttpStatusCode.Forbidden, "rateLimitExceeded", StoreErrorKind.Throttled)]
    [InlineData(HttpStatusCode.Unauthorized, "authError", StoreErrorKind.Permanent)]
    [InlineData(HttpStatusCode.Forbidden, "forbidden", StoreErrorKind.Permanent)]
    [InlineData(HttpStatusCode.PreconditionFailed, "conditionNotMet", StoreErrorKind.PreconditionFailed)]
    [InlineData(HttpStatusCode.BadRequest, "invalid", StoreErrorKind.Permanent)]
    public void MapStatus_StatusAndReason_GiveTheKind(HttpStatusCode status, string? reason, StoreErrorKind expected)
    {
        var error = GcsErrorMapper.MapStatus(status, reason, "GET gs://b/k");

        Assert.Equal(expected, error.Kind);
        Assert.StartsWith("GET gs://b/k: HTTP ", error.Message);
        Assert.Equal(status, Assert.IsType<GcsHttpException>(error.InnerException).Status);
    }

    [Fact]
    public void MapStatus_RetryAfterOnThrottling_IsKeptAndBounded()
    {
        var soon = GcsErrorMapper.MapStatus(HttpStatusCode.TooManyRequests, null, "op", new RetryConditionHeaderValue(TimeSpan.FromSeconds(3)));
        var late = GcsErrorMapper.MapStatus(HttpStatusCode.ServiceUnavailable, null, "op", new RetryConditionHeaderValue(TimeSpan.FromHours(2)));
        var permanent = GcsErrorMapper.MapStatus(HttpStatusCode.BadRequest, null, "op", new RetryConditionHeaderValue(TimeSpan.FromSeconds(3)));

        Assert.Equal(TimeSpan.FromSeconds(3), soon.RetryAfter);
        Assert.Equal(TimeSpan.FromMinutes(5), late.RetryAfter);
        Assert.Null(permanent.RetryAfter);
    }

    [Fact]
    public void MapException_CallerCancelled_PassesThrough()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Null(GcsErrorMapper.MapException(new OperationCanceledException(cts.Token), "op", cts.Token));
        Assert.Equal(StoreErrorKind.Transient, GcsErrorMapper.MapException(new OperationCanceledException(), "op", CancellationToken.None)!.Kind);
        Assert.Equal(StoreErrorKind.Transient, GcsErrorMapper.MapException(new HttpRequestException("reset", new IOException()), "op", CancellationToken.None)!.Kind);
    }
}
