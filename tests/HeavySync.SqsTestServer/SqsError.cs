namespace HeavySync.SqsTestServer;

/// <summary>
/// An error answer as AWS SQS shapes it in the JSON protocol: HTTP status, <c>__type</c>
/// (<c>com.amazonaws.sqs#SHAPE</c>), <c>message</c>, and the query-compatible
/// <c>x-amzn-query-error: CODE;Sender|Receiver</c> header.
/// </summary>
public sealed class SqsError(int status, string shape, string queryCode, string message, bool senderFault = true) : Exception(message)
{
    public int Status { get; } = status;

    public string Shape { get; } = shape;

    public string QueryCode { get; } = queryCode;

    public bool SenderFault { get; } = senderFault;

    public static SqsError QueueDoesNotExist() =>
        new(400, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.");

    public static SqsError InvalidParameter(string message) => new(400, "InvalidParameterValueException", "InvalidParameterValue", message);

    public static SqsError Missing(string name) => new(400, "MissingRequiredParameterException", "MissingParameter", $"The request must contain the parameter {name}.");

    public static SqsError ReceiptHandleIsInvalid(string message) => new(400, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", message);

    public static SqsError Batch(string shape, string message) => new(400, shape, "AWS.SimpleQueueService." + shape, message);
}
