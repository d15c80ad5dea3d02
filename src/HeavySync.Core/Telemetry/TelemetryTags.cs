namespace HeavySync.Telemetry;

/// <summary>Tag keys used on spans and metrics.</summary>
public static class TelemetryTags
{
    public const string Job = "heavysync.job";
    public const string Run = "heavysync.run";
    public const string RunNumber = "heavysync.run.number";
    public const string JobName = "heavysync.job.name";
    public const string Side = "heavysync.side";
    public const string Operation = "heavysync.operation";
    public const string Store = "heavysync.store";
    public const string Outcome = "heavysync.outcome";
    public const string Reason = "heavysync.reason";
    public const string Layer = "heavysync.retry.layer";
    public const string ErrorKind = "heavysync.error.kind";
    public const string Queue = "heavysync.queue";

    /// <summary>OpenTelemetry messaging conventions (semantic-conventions messaging spans).</summary>
    public const string MessagingSystem = "messaging.system";
    public const string MessagingOperationType = "messaging.operation.type";
    public const string MessagingOperationName = "messaging.operation.name";
    public const string MessagingDestination = "messaging.destination.name";
    public const string MessagingSubscription = "messaging.destination.subscription.name";
    public const string MessagingBatchCount = "messaging.batch.message_count";
    public const string MessagingDeliveryCount = "messaging.message.delivery_count";
}
