using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.Telemetry;

namespace HeavySync.Engine;

/// <summary>The copier's spans and counters (DESIGN.md §7; OpenTelemetry messaging conventions).</summary>
public sealed partial class Copier
{
    /// <summary>
    /// The "receive" span of a receive that brought messages (OpenTelemetry messaging conventions:
    /// kind Client), recorded once they came, so the many empty polls of an idle copier leave no
    /// spans. Its context is linked from the messages' process spans.
    /// </summary>
    private ActivityContext RecordReceive(DateTimeOffset started, int count)
    {
        using var activity = MessagingSpans.Start(queue.Messaging, "receive", "receive", ActivityKind.Client, startTime: started);
        if (activity is null)
        {
            return default;
        }

        activity.SetTag(TelemetryTags.MessagingBatchCount, count);
        return activity.Context;
    }

    /// <summary>
    /// The processing span of one message, following OpenTelemetry's messaging conventions: kind
    /// Consumer, named after the operation, a child of the publish span whose context the message
    /// carries, so the lister's trace continues here (in another process too), and linked to the
    /// receive span that brought it. Without a context (telemetry off at the publisher) it starts
    /// its own trace.
    /// </summary>
    /// <remarks>It lives as long as the message is held, across workers: the ambient
    /// <see cref="Activity.Current"/> is left as it was, and each copy sets it for itself.</remarks>
    private Activity? StartProcessActivity(ReceivedMessage received, ActivityContext receive)
    {
        ActivityLink[]? links = receive == default ? null : [new ActivityLink(receive)];
        ActivityContext.TryParse(received.Message.TraceParent, null, out var parent);
        var ambient = Activity.Current;
        var activity = MessagingSpans.Start(queue.Messaging, "process", "process", ActivityKind.Consumer, parent, links);
        Activity.Current = ambient;
        if (activity is not null)
        {
            activity.SetTag(TelemetryTags.MessagingBatchCount, received.Message.Tasks.Count);
            activity.SetTag(TelemetryTags.MessagingDeliveryCount, received.DeliveryCount);
            activity.SetTag(TelemetryTags.Job, received.Message.JobId);
            activity.SetTag(TelemetryTags.Run, received.Message.RunId);
        }

        return activity;
    }

    private static void CountSkipped(WorkTask task, string reason)
    {
        var tag = new KeyValuePair<string, object?>(TelemetryTags.Reason, reason);
        HeavySyncTelemetry.ObjectsSkipped.Add(1, tag);
        HeavySyncTelemetry.BytesSkipped.Add(task.Size, tag);
    }
}
