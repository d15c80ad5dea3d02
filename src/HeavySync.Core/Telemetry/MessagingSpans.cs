using System.Diagnostics;
using HeavySync.Queue;

namespace HeavySync.Telemetry;

/// <summary>
/// Spans of queue operations after OpenTelemetry's messaging conventions: named
/// <c>OPERATION DESTINATION</c> (<c>publish heavysync-work</c>), with the queue's system and
/// destination as attributes, so a trace shows which queue the work went through.
/// </summary>
public static class MessagingSpans
{
    /// <summary>
    /// Starts a span of <paramref name="operationName"/> (<c>publish</c>, <c>receive</c>,
    /// <c>process</c>) on <paramref name="queue"/>; <paramref name="operationType"/> is the
    /// conventions' <c>messaging.operation.type</c> (<c>send</c>, <c>receive</c>, <c>process</c>).
    /// Null when nobody listens.
    /// </summary>
    public static Activity? Start(
        MessagingDestination queue,
        string operationName,
        string operationType,
        ActivityKind kind,
        ActivityContext parent = default,
        IEnumerable<ActivityLink>? links = null,
        DateTimeOffset startTime = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var activity = HeavySyncTelemetry.Source.StartActivity(SpanName(operationName, queue), kind, parent, links: links, startTime: startTime);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(TelemetryTags.MessagingSystem, queue.System);
        activity.SetTag(TelemetryTags.MessagingOperationType, operationType);
        activity.SetTag(TelemetryTags.MessagingOperationName, operationName);
        activity.SetTag(TelemetryTags.MessagingDestination, queue.Destination);
        if (queue.Subscription is not null && kind != ActivityKind.Producer)
        {
            activity.SetTag(TelemetryTags.MessagingSubscription, queue.Subscription);
        }

        return activity;
    }

    /// <summary>The span name the conventions ask for: <c>OPERATION DESTINATION</c>.</summary>
    public static string SpanName(string operationName, MessagingDestination queue) => operationName + " " + queue.Destination;
}
