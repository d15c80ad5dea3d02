using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HeavySync.Telemetry;

/// <summary>
/// The ActivitySource and Meter Core emits through (DESIGN.md §7). Core uses only BCL types; the
/// host wires the OpenTelemetry SDK to these names. With no listener attached (telemetry off) every
/// instrument and span below costs a null check.
/// </summary>
public static class HeavySyncTelemetry
{
    /// <summary>Name of both the ActivitySource and the Meter.</summary>
    public const string Name = "HeavySync";

    /// <summary>Spans: list page, plan, publish, process, copy object, verify, delete, check.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Instruments below.</summary>
    public static Meter Meter { get; } = new(Name);

    public static Counter<long> ObjectsListed { get; } = Meter.CreateCounter<long>("heavysync.list.objects", "{object}", "Objects listed, by side");
    public static Counter<long> BytesListed { get; } = Meter.CreateCounter<long>("heavysync.list.bytes", "By", "Bytes of the objects listed, by side");
    public static Counter<long> ObjectsCopied { get; } = Meter.CreateCounter<long>("heavysync.copy.objects", "{object}", "Objects copied");
    public static Counter<long> BytesCopied { get; } = Meter.CreateCounter<long>("heavysync.copy.bytes", "By", "Bytes copied");
    public static Counter<long> ObjectsSkipped { get; } = Meter.CreateCounter<long>("heavysync.skip.objects", "{object}", "Objects not copied, by reason: unchanged (planned), vanished (gone from the source), done (finished by an earlier delivery)");
    public static Counter<long> BytesSkipped { get; } = Meter.CreateCounter<long>("heavysync.skip.bytes", "By", "Bytes of the objects skipped, by reason");
    public static Counter<long> ObjectsFailed { get; } = Meter.CreateCounter<long>("heavysync.copy.failed", "{object}", "Objects whose copy failed");
    public static Counter<long> BytesFailed { get; } = Meter.CreateCounter<long>("heavysync.copy.failed.bytes", "By", "Bytes of the objects whose copy failed");
    public static Counter<long> ObjectsDeleted { get; } = Meter.CreateCounter<long>("heavysync.delete.objects", "{object}", "Objects deleted");
    public static Histogram<double> CopyDuration { get; } = Meter.CreateHistogram<double>("heavysync.copy.duration", "s", "Duration of one object copy");
    public static UpDownCounter<long> CopiesInFlight { get; } = Meter.CreateUpDownCounter<long>("heavysync.copy.in_flight", "{object}", "Object copies under way");
    public static Counter<long> Requests { get; } = Meter.CreateCounter<long>("heavysync.store.requests", "{request}", "Store requests by store and operation");
    public static Counter<long> Retries { get; } = Meter.CreateCounter<long>("heavysync.retries", "{retry}", "Retries, by layer: request (one store request), copy (one object), redelivery (one message)");
    public static Counter<long> ThrottleEvents { get; } = Meter.CreateCounter<long>("heavysync.store.throttled", "{event}", "Throttling answers from a store (S3 SlowDown, 429/503)");
    public static Counter<long> ConcurrencyReductions { get; } = Meter.CreateCounter<long>("heavysync.concurrency.reductions", "{event}", "Times throttling halved the copy concurrency");

    /// <summary>Queue depth as last sampled by each running <see cref="QueueDepthSampler"/>.</summary>
    public static ObservableGauge<long> QueueDepth { get; } = Meter.CreateObservableGauge(
        "heavysync.queue.depth", QueueDepthSampler.Observe, "{message}", "Messages waiting or in flight on the work queue");
}
