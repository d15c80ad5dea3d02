namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>A received message (<c>Message</c> of a ReceiveMessage answer).</summary>
/// <param name="MessageId">Stable id of the message.</param>
/// <param name="ReceiptHandle">Handle of this receipt: deletes and visibility changes use it.</param>
/// <param name="MD5OfBody">MD5 of the body as the service stored it, hex.</param>
/// <param name="Body">The body.</param>
/// <param name="Attributes">System attributes asked for (ApproximateReceiveCount).</param>
/// <param name="MD5OfMessageAttributes">MD5 of the message attributes, hex; null when there are none.</param>
/// <param name="MessageAttributes">Message attributes asked for.</param>
public sealed record SqsMessage(
    string MessageId,
    string ReceiptHandle,
    string MD5OfBody,
    string Body,
    IReadOnlyDictionary<string, string>? Attributes,
    string? MD5OfMessageAttributes,
    IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes);
