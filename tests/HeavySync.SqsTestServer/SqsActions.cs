namespace HeavySync.SqsTestServer;

/// <summary>The actions of the SQS API this server implements, by X-Amz-Target name. Split by
/// concern: queue management in SqsActions.Queues.cs, messages in SqsActions.Messages.cs and
/// SqsActions.Batches.cs.</summary>
internal sealed partial class SqsActions(QueueStore store, SqsFaultInjection faults)
{
    public Task<object> InvokeAsync(string action, RequestBody body, CancellationToken cancellationToken) => action switch
    {
        "CreateQueue" => Done(CreateQueue(body)),
        "GetQueueUrl" => Done(GetQueueUrl(body)),
        "DeleteQueue" => Done(DeleteQueue(body)),
        "PurgeQueue" => Done(PurgeQueue(body)),
        "ListQueues" => Done(ListQueues(body)),
        "GetQueueAttributes" => Done(GetQueueAttributes(body)),
        "SetQueueAttributes" => Done(SetQueueAttributes(body)),
        "SendMessage" => Done(SendMessage(body)),
        "SendMessageBatch" => Done(SendMessageBatch(body)),
        "ReceiveMessage" => ReceiveMessageAsync(body, cancellationToken),
        "DeleteMessage" => Done(DeleteMessage(body)),
        "DeleteMessageBatch" => Done(DeleteMessageBatch(body)),
        "ChangeMessageVisibility" => Done(ChangeMessageVisibility(body)),
        "ChangeMessageVisibilityBatch" => Done(ChangeMessageVisibilityBatch(body)),
        _ => throw new SqsError(400, "UnknownOperationException", "InvalidAction", $"The action {(action.Length == 0 ? "(none)" : action)} is not valid for this endpoint."),
    };

    private static readonly object Empty = new Dictionary<string, object>();

    private static Task<object> Done(object answer) => Task.FromResult(answer);
}
