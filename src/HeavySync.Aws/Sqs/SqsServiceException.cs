using System.Net;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// An error answer of the SQS service, kept as the inner exception of the
/// <see cref="HeavySync.Storage.StoreException"/> the client throws, so callers that must react to
/// one specific code (an expired receipt handle) can without parsing messages.
/// </summary>
public sealed class SqsServiceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The error code: the query-compatible code of <c>x-amzn-query-error</c> when
    /// present (<c>AWS.SimpleQueueService.NonExistentQueue</c>), else the shape name of <c>__type</c>
    /// (<c>QueueDoesNotExist</c>).</param>
    /// <param name="type">The shape name of <c>__type</c> without its namespace, when present.</param>
    /// <param name="status">HTTP status of the answer.</param>
    /// <param name="serviceMessage">The service's own message (never holds message bodies).</param>
    /// <param name="senderFault">True when the service blames the request (the <c>Sender</c> half of x-amzn-query-error).</param>
    public SqsServiceException(string code, string? type, HttpStatusCode status, string? serviceMessage, bool senderFault)
        : base($"{code} (HTTP {(int)status}){(string.IsNullOrEmpty(serviceMessage) ? string.Empty : ": " + serviceMessage)}")
    {
        Code = code;
        Type = type;
        Status = status;
        ServiceMessage = serviceMessage;
        SenderFault = senderFault;
    }

    /// <summary>The error code (see the constructor).</summary>
    public string Code { get; }

    /// <summary>The JSON shape name, e.g. <c>QueueDoesNotExist</c>.</summary>
    public string? Type { get; }

    /// <summary>HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The service's message.</summary>
    public string? ServiceMessage { get; }

    /// <summary>True when the request itself was at fault.</summary>
    public bool SenderFault { get; }

    /// <summary>True when either the code or the shape name equals <paramref name="name"/>.</summary>
    public bool Is(string name) => Code == name || Type == name;
}
