namespace HeavySync.Queue;

/// <summary>
/// How telemetry names a work queue, after OpenTelemetry's messaging conventions: spans are named
/// <c>publish DESTINATION</c>, <c>receive DESTINATION</c>, <c>process DESTINATION</c> and carry
/// <c>messaging.system</c>, <c>messaging.destination.name</c> and, where consumers read a
/// subscription rather than the destination itself, <c>messaging.destination.subscription.name</c>.
/// </summary>
/// <param name="System">
/// <c>messaging.system</c>: the conventions' values <c>aws_sqs</c> and <c>gcp_pubsub</c>;
/// <c>postgresql</c> for HeavySync's queue table (the conventions have no value for a queue kept in
/// a database, so it names the system that holds the messages); <c>heavysync</c> for the
/// in-process queue of one-machine mode.
/// </param>
/// <param name="Destination">
/// <c>messaging.destination.name</c>: the SQS queue's name (the last segment of its URL), the
/// Postgres queue's name, <c>inprocess</c>. For Pub/Sub the subscription id: HeavySync is given a
/// subscription, and the topic behind it is looked up only by a publisher, so consumers cannot name
/// it without an extra admin request per process.
/// </param>
/// <param name="Subscription"><c>messaging.destination.subscription.name</c> (Pub/Sub), or null.</param>
public sealed record MessagingDestination(string System, string Destination, string? Subscription = null)
{
    /// <summary><c>messaging.system</c> of Amazon SQS.</summary>
    public const string AwsSqs = "aws_sqs";

    /// <summary><c>messaging.system</c> of Google Cloud Pub/Sub.</summary>
    public const string GcpPubSub = "gcp_pubsub";

    /// <summary><c>messaging.system</c> of the queue table in the Postgres state database.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary><c>messaging.system</c> of the in-process queue.</summary>
    public const string InProcess = "heavysync";
}
