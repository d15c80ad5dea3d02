namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>OTLP span kinds (opentelemetry/proto/trace/v1 Span.SpanKind).</summary>
public enum OtlpSpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>A span link: the span it points to.</summary>
public sealed record OtlpLink(string TraceId, string SpanId);

/// <summary>One received span; ids are lowercase hex, a root span has a null parent.</summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    OtlpSpanKind Kind,
    IReadOnlyList<OtlpLink> Links,
    IReadOnlyDictionary<string, object?> Attributes,
    string Scope,
    IReadOnlyDictionary<string, object?> Resource)
{
    /// <summary>The resource's <c>service.name</c>.</summary>
    public string? ServiceName => Resource.GetValueOrDefault("service.name") as string;

    /// <summary>
    /// True when this span continues <paramref name="producer"/>: a child of it (same trace, its
    /// span as parent) or linked to it, as the OpenTelemetry messaging conventions allow.
    /// </summary>
    public bool Continues(OtlpSpan producer) =>
        (TraceId == producer.TraceId && ParentSpanId == producer.SpanId)
        || Links.Any(l => l.TraceId == producer.TraceId && l.SpanId == producer.SpanId);

    public override string ToString() => $"{Name} ({Kind}, {Scope}) {TraceId}/{SpanId} parent {ParentSpanId ?? "-"}";
}
