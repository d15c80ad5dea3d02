using System.Net;
using HeavySync.Aws.Sqs;
using HeavySync.Storage;

namespace HeavySync.Tests.Aws.Sqs;

/// <summary><see cref="SqsErrorMapper"/>: codes and statuses to kinds (DESIGN.md §6).</summary>
public sealed class SqsErrorMapperTests
{
    [Theory]
    [InlineData("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", 400, StoreErrorKind.Fatal)]
    [InlineData("RequestThrottled", "ThrottlingException", 400, StoreErrorKind.Throttled)]
    [InlineData("ThrottlingException", null, 400, StoreErrorKind.Throttled)]
    [InlineData("InternalError", "InternalError", 500, StoreErrorKind.Transient)]
    [InlineData("HTTP503", null, 503, StoreErrorKind.Transient)]
    [InlineData("AccessDenied", "AccessDeniedException", 403, StoreErrorKind.Fatal)]
    [InlineData("SignatureDoesNotMatch", null, 403, StoreErrorKind.Fatal)]
    [InlineData("InvalidParameterValue", "InvalidParameterValueException", 400, StoreErrorKind.Permanent)]
    [InlineData("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", 400, StoreErrorKind.Permanent)]
    public void MapService_CodeAndStatus_Kind(string code, string? type, int status, StoreErrorKind expected)
    {
        var mapped = SqsErrorMapper.MapService(new SqsServiceException(code, type, (HttpStatusCode)status, "msg", status < 500), "SQS X q");

        Assert.Equal(expected, mapped.Kind);
        Assert.DoesNotContain('\n', mapped.Message);
    }

    [Fact]
    public void MapService_AccessDenied_OneLineCauseNamingTheCode()
    {
        var mapped = SqsErrorMapper.MapService(new SqsServiceException("AccessDenied", null, HttpStatusCode.Forbidden, "User: arn:... is not authorized", true), "SQS ReceiveMessage q");

        Assert.Equal("SQS ReceiveMessage q: access denied (AccessDenied): the credentials may not use this queue", mapped.Message);
    }

    [Fact]
    public void MapException_CallerCancelled_NotMapped()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Null(SqsErrorMapper.MapException(new OperationCanceledException(cancelled.Token), "SQS X q", cancelled.Token));
        Assert.Equal(StoreErrorKind.Transient, SqsErrorMapper.MapException(new TaskCanceledException(), "SQS X q", CancellationToken.None)!.Kind);
        Assert.Equal(StoreErrorKind.Transient, SqsErrorMapper.MapException(new HttpRequestException("reset"), "SQS X q", CancellationToken.None)!.Kind);
    }
}
