namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>The parameters of one ReceiveMessage call.</summary>
/// <param name="MaxNumberOfMessages">1 to 10.</param>
/// <param name="WaitTimeSeconds">0 (short poll) to 20 (long poll).</param>
/// <param name="VisibilityTimeoutSeconds">The lease given to the received messages; null for the queue's.</param>
/// <param name="MessageAttributeNames">Message attributes to return.</param>
/// <param name="SystemAttributeNames">System attributes to return (ApproximateReceiveCount).</param>
public sealed record ReceiveRequest(
    int MaxNumberOfMessages,
    int WaitTimeSeconds,
    int? VisibilityTimeoutSeconds,
    IReadOnlyList<string> MessageAttributeNames,
    IReadOnlyList<string> SystemAttributeNames);
