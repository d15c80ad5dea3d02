using System.Text.Json.Serialization;

namespace HeavySync.Aws.Sqs.Protocol;

// Request documents of the AWS JSON 1.0 protocol, members named and ordered as AWS's SQS API
// reference spells them.

/// <summary>DeleteQueue: the queue alone.</summary>
internal sealed record QueueUrlRequest(string QueueUrl);

/// <summary>GetQueueUrl.</summary>
internal sealed record QueueNameRequest(string QueueName);

/// <summary>CreateQueue.</summary>
internal sealed record CreateQueueRequest(string QueueName, IReadOnlyDictionary<string, string>? Attributes);

/// <summary>GetQueueAttributes.</summary>
internal sealed record GetQueueAttributesRequest(string QueueUrl, IReadOnlyList<string> AttributeNames);

/// <summary>ReceiveMessage. <see cref="AttributeNames"/> is the older name of
/// <see cref="MessageSystemAttributeNames"/>, for SQS implementations that predate the new one.</summary>
internal sealed record ReceiveMessageRequest(
    string QueueUrl,
    int MaxNumberOfMessages,
    int WaitTimeSeconds,
    int? VisibilityTimeout,
    IReadOnlyList<string> MessageAttributeNames,
    IReadOnlyList<string> MessageSystemAttributeNames,
    IReadOnlyList<string> AttributeNames);

/// <summary>ChangeMessageVisibility.</summary>
internal sealed record ChangeMessageVisibilityRequest(string QueueUrl, string ReceiptHandle, int VisibilityTimeout);

/// <summary>The batch actions: SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch.</summary>
internal sealed record BatchRequest<TEntry>(string QueueUrl, IReadOnlyList<TEntry> Entries);

/// <summary>The RedrivePolicy queue attribute's JSON (its members camel-case, the count a string).</summary>
internal sealed record RedrivePolicyDocument(
    [property: JsonPropertyName("deadLetterTargetArn")] string DeadLetterTargetArn,
    [property: JsonPropertyName("maxReceiveCount")] string MaxReceiveCount);
