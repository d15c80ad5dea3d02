namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>What kind of metric a point belongs to.</summary>
public enum OtlpMetricKind
{
    Gauge,
    Sum,
    Histogram,
}

/// <summary>
/// One received data point. Number points carry <see cref="Value"/>; histogram points carry
/// <see cref="Count"/> and <see cref="Sum"/>. <see cref="TimeUnixNano"/> orders the points of a series.
/// </summary>
public sealed record OtlpMetricPoint(
    string Name,
    string Unit,
    OtlpMetricKind Kind,
    double? Value,
    ulong? Count,
    double? Sum,
    ulong TimeUnixNano,
    IReadOnlyDictionary<string, object?> Attributes,
    string Scope,
    IReadOnlyDictionary<string, object?> Resource)
{
    /// <summary>Identifies the series: the process (service instance) and the point's attributes.</summary>
    public string SeriesKey =>
        (Resource.GetValueOrDefault("service.instance.id") as string ?? string.Empty) + "|" +
        string.Join(",", Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
}
