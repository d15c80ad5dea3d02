using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HeavySync.Telemetry;

/// <summary>
/// The ActivitySource and Meter Core emits through (DESIGN.md §7). Core uses only BCL types; the
/// host wires the OpenTelemetry SDK to these names.
/// </summary>
public static class HeavySyncTelemetry
{
    /// <summary>Name of both the ActivitySource and the Meter.</summary>
    public const string Name = "HeavySync";

    /// <summary>Spans: list page, plan, publish, receive, copy object, verify, delete, check.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Instruments below.</summary>
    public static Meter Meter { get; } = new(Name);

    public static Counter<long> ObjectsListed { get; } = Meter.CreateCounter<long>("heavysync.list.objects", "{object}", "Objects listed");
    public static Counter<long> ObjectsCopied { get; } = Meter.CreateCounter<long>("heavysync.copy.objects", "{object}", "Objects copied");
    public static Counter<long> BytesCopied { get; } = Meter.CreateCounter<long>("heavysync.copy.bytes", "By", "Bytes copied");
    public static Counter<long> ObjectsFailed { get; } = Meter.CreateCounter<long>("heavysync.copy.failed", "{object}", "Objects whose copy failed");
    public static Counter<long> ObjectsDeleted { get; } = Meter.CreateCounter<long>("heavysync.delete.objects", "{object}", "Objects deleted");
    public static Histogram<double> CopyDuration { get; } = Meter.CreateHistogram<double>("heavysync.copy.duration", "s", "Duration of one object copy");
    public static Counter<long> Requests { get; } = Meter.CreateCounter<long>("heavysync.store.requests", "{request}", "Store requests by store and operation");
}

/// <summary>Tag keys used on spans and metrics.</summary>
public static class TelemetryTags
{
    public const string Job = "heavysync.job";
    public const string Run = "heavysync.run";
    public const string Side = "heavysync.side";
    public const string Operation = "heavysync.operation";
    public const string Store = "heavysync.store";
    public const string Outcome = "heavysync.outcome";
}
