using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using HeavySync.Aws.S3;
using HeavySync.Storage;

namespace HeavySync.Tests.Aws;

public sealed class S3ErrorMapperTests
{
    [Theory]
    [InlineData("NoSuchKey", HttpStatusCode.NotFound, StoreErrorKind.NotFound)]
    [InlineData(null, HttpStatusCode.NotFound, StoreErrorKind.NotFound)]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, StoreErrorKind.Fatal)]
    [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, StoreErrorKind.Fatal)]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, StoreErrorKind.Fatal)]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, StoreErrorKind.Permanent)]
    [InlineData(null, HttpStatusCode.Forbidden, StoreErrorKind.Permanent)]
    [InlineData("InvalidArgument", HttpStatusCode.BadRequest, StoreErrorKind.Permanent)]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, StoreErrorKind.Throttled)]
    [InlineData(null, HttpStatusCode.TooManyRequests, StoreErrorKind.Throttled)]
    [InlineData("ServiceUnavailable", HttpStatusCode.ServiceUnavailable, StoreErrorKind.Transient)]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, StoreErrorKind.Transient)]
    [InlineData(null, HttpStatusCode.BadGateway, StoreErrorKind.Transient)]
    [InlineData(null, HttpStatusCode.GatewayTimeout, StoreErrorKind.Transient)]
    [InlineData("RequestTimeout", HttpStatusCode.BadRequest, StoreErrorKind.Transient)]
    [InlineData("PreconditionFailed", HttpStatusCode.PreconditionFailed, StoreErrorKind.NotFound)]
    [InlineData(null, HttpStatusCode.PreconditionFailed, StoreErrorKind.NotFound)]
    public void Map_ServiceError_ClassifiesByCodeThenStatus(string? code, HttpStatusCode status, StoreErrorKind expected)
    {
        var error = new AmazonS3Exception("any text: never read", ErrorType.Sender, code, "req", status);

        var mapped = S3ErrorMapper.Map(error, "GET s3://b/k", CancellationToken.None);

        Assert.NotNull(mapped);
        Assert.Equal(expected, mapped.Kind);
        Assert.Same(error, mapped.InnerException);
        Assert.StartsWith("GET s3://b/k: ", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_NetworkFailures_AreTransient()
    {
        Exception[] errors =
        [
            new IOException("reset"),
            new HttpRequestException("boom", new SocketException((int)SocketError.ConnectionReset)),
            new AmazonClientException("wrapped", new IOException("truncated")),
            new AmazonS3Exception("unmarshalling", new IOException("premature end"), ErrorType.Unknown, null, null, HttpStatusCode.OK),
            new TaskCanceledException("SDK timeout"),
        ];

        foreach (var error in errors)
        {
            Assert.Equal(StoreErrorKind.Transient, S3ErrorMapper.Map(error, "op", CancellationToken.None)?.Kind);
        }
    }

    [Fact]
    public void Map_CallerCancellation_IsNotMapped()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Null(S3ErrorMapper.Map(new OperationCanceledException(cts.Token), "op", cts.Token));
        Assert.Null(S3ErrorMapper.Map(new TaskCanceledException(), "op", cts.Token));
    }

    [Fact]
    public void Map_StoreException_PassesThrough()
    {
        Assert.Null(S3ErrorMapper.Map(new StoreException(StoreErrorKind.NotFound, "x"), "op", CancellationToken.None));
    }

    [Theory]
    [InlineData("AccessDenied", StoreErrorKind.Permanent)]
    [InlineData("InternalError", StoreErrorKind.Transient)]
    [InlineData("SlowDown", StoreErrorKind.Throttled)]
    [InlineData("NoSuchKey", StoreErrorKind.Permanent)]
    public void MapCode_DeleteObjectsError_Classifies(string code, StoreErrorKind expected)
    {
        Assert.Equal(expected, S3ErrorMapper.MapCode(code, "DELETE s3://b/k").Kind);
    }

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData(" 12 ", 12.0)]
    [InlineData("0", 0.0)]
    [InlineData("86400", 300.0)] // capped at 5 minutes
    [InlineData("Thu, 01 Jan 2026 00:00:30 GMT", 30.0)]
    [InlineData("Wed, 31 Dec 2025 23:59:00 GMT", 0.0)] // already past: retry at once
    [InlineData("Fri, 02 Jan 2026 00:00:00 GMT", 300.0)]
    [InlineData("Thursday, 01-Jan-26 00:01:00 GMT", 60.0)]
    [InlineData("Thu Jan  1 00:00:45 2026", 45.0)]
    public void ParseRetryAfter_SecondsOrHttpDate_GivesTheDelay(string value, double expectedSeconds)
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), S3ErrorMapper.ParseRetryAfter(value, now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("soon")]
    public void ParseRetryAfter_AbsentOrUnreadable_IsNull(string? value)
    {
        Assert.Null(S3ErrorMapper.ParseRetryAfter(value, DateTimeOffset.UnixEpoch));
    }
}
