namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>One received log record; trace and span ids are null outside a span.</summary>
public sealed record OtlpLogRecord(
    string? TraceId,
    string? SpanId,
    int SeverityNumber,
    string? Body,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyDictionary<string, object?> Resource);
