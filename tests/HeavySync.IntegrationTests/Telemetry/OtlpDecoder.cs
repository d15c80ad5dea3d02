namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>
/// Decodes OTLP/HTTP protobuf export requests (opentelemetry-proto v1: collector/trace, metrics,
/// logs) into flat records, reading only the fields the tests assert on and skipping the rest.
/// Field numbers are the ones in the .proto files.
/// </summary>
public static class OtlpDecoder
{
    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    /// <summary>ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }</summary>
    public static List<OtlpSpan> DecodeTraces(ReadOnlySpan<byte> body)
    {
        var spans = new List<OtlpSpan>();
        ForEachResource(body, (resource, scopeBytes) =>
        {
            // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
            var scope = string.Empty;
            var reader = new ProtoReader(scopeBytes);
            var pending = new List<byte[]>();
            while (reader.TryReadTag(out var field, out var wire))
            {
                if (field == 1 && wire == ProtoReader.LengthDelimited)
                {
                    scope = ScopeName(reader.ReadBytes());
                }
                else if (field == 2 && wire == ProtoReader.LengthDelimited)
                {
                    pending.Add(reader.ReadBytes().ToArray());
                }
                else
                {
                    reader.Skip(wire);
                }
            }

            spans.AddRange(pending.Select(bytes => Span(bytes, scope, resource)));
        });
        return spans;
    }

    /// <summary>ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }</summary>
    public static List<OtlpMetricPoint> DecodeMetrics(ReadOnlySpan<byte> body)
    {
        var points = new List<OtlpMetricPoint>();
        ForEachResource(body, (resource, scopeBytes) =>
        {
            // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
            var scope = string.Empty;
            var reader = new ProtoReader(scopeBytes);
            var pending = new List<byte[]>();
            while (reader.TryReadTag(out var field, out var wire))
            {
                if (field == 1 && wire == ProtoReader.LengthDelimited)
                {
                    scope = ScopeName(reader.ReadBytes());
                }
                else if (field == 2 && wire == ProtoReader.LengthDelimited)
                {
                    pending.Add(reader.ReadBytes().ToArray());
                }
                else
                {
                    reader.Skip(wire);
                }
            }

            foreach (var metric in pending)
            {
                Metric(metric, scope, resource, points);
            }
        });
        return points;
    }

    /// <summary>ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }</summary>
    public static List<OtlpLogRecord> DecodeLogs(ReadOnlySpan<byte> body)
    {
        var logs = new List<OtlpLogRecord>();
        ForEachResource(body, (resource, scopeBytes) =>
        {
            // ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; }
            var reader = new ProtoReader(scopeBytes);
            while (reader.TryReadTag(out var field, out var wire))
            {
                if (field == 2 && wire == ProtoReader.LengthDelimited)
                {
                    logs.Add(Log(reader.ReadBytes(), resource));
                }
                else
                {
                    reader.Skip(wire);
                }
            }
        });
        return logs;
    }

    /// <summary>Resource{Spans,Metrics,Logs} { Resource resource = 1; repeated Scope* scope_* = 2; }</summary>
    private static void ForEachResource(ReadOnlySpan<byte> body, Action<IReadOnlyDictionary<string, object?>, byte[]> onScope)
    {
        var request = new ProtoReader(body);
        while (request.TryReadTag(out var field, out var wire))
        {
            if (field != 1 || wire != ProtoReader.LengthDelimited)
            {
                request.Skip(wire);
                continue;
            }

            var resourceReader = new ProtoReader(request.ReadBytes());
            IReadOnlyDictionary<string, object?> resource = Empty;
            var scopes = new List<byte[]>();
            while (resourceReader.TryReadTag(out var f, out var w))
            {
                if (f == 1 && w == ProtoReader.LengthDelimited)
                {
                    // Resource { repeated KeyValue attributes = 1; }
                    resource = Attributes(resourceReader.ReadBytes(), 1);
                }
                else if (f == 2 && w == ProtoReader.LengthDelimited)
                {
                    scopes.Add(resourceReader.ReadBytes().ToArray());
                }
                else
                {
                    resourceReader.Skip(w);
                }
            }

            foreach (var scope in scopes)
            {
                onScope(resource, scope);
            }
        }
    }

    /// <summary>Span { trace_id = 1; span_id = 2; parent_span_id = 4; name = 5; kind = 6; attributes = 9; links = 13; }</summary>
    private static OtlpSpan Span(ReadOnlySpan<byte> bytes, string scope, IReadOnlyDictionary<string, object?> resource)
    {
        string traceId = string.Empty, spanId = string.Empty, name = string.Empty;
        string? parent = null;
        var kind = OtlpSpanKind.Unspecified;
        var links = new List<OtlpLink>();
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtoReader.LengthDelimited): traceId = Hex(reader.ReadBytes()); break;
                case (2, ProtoReader.LengthDelimited): spanId = Hex(reader.ReadBytes()); break;
                case (4, ProtoReader.LengthDelimited): parent = Hex(reader.ReadBytes()) is { Length: > 0 } p ? p : null; break;
                case (5, ProtoReader.LengthDelimited): name = reader.ReadString(); break;
                case (6, ProtoReader.Varint): kind = (OtlpSpanKind)(int)reader.ReadVarint(); break;
                case (9, ProtoReader.LengthDelimited): AddKeyValue(reader.ReadBytes(), attributes); break;
                case (13, ProtoReader.LengthDelimited): links.Add(Link(reader.ReadBytes())); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, kind, links, attributes, scope, resource);
    }

    /// <summary>Link { trace_id = 1; span_id = 2; }</summary>
    private static OtlpLink Link(ReadOnlySpan<byte> bytes)
    {
        string traceId = string.Empty, spanId = string.Empty;
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtoReader.LengthDelimited): traceId = Hex(reader.ReadBytes()); break;
                case (2, ProtoReader.LengthDelimited): spanId = Hex(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpLink(traceId, spanId);
    }

    /// <summary>Metric { name = 1; unit = 3; gauge = 5; sum = 7; histogram = 9; }</summary>
    private static void Metric(ReadOnlySpan<byte> bytes, string scope, IReadOnlyDictionary<string, object?> resource, List<OtlpMetricPoint> points)
    {
        string name = string.Empty, unit = string.Empty;
        var data = new List<(OtlpMetricKind Kind, byte[] Bytes)>();
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtoReader.LengthDelimited): name = reader.ReadString(); break;
                case (3, ProtoReader.LengthDelimited): unit = reader.ReadString(); break;
                case (5, ProtoReader.LengthDelimited): data.Add((OtlpMetricKind.Gauge, reader.ReadBytes().ToArray())); break;
                case (7, ProtoReader.LengthDelimited): data.Add((OtlpMetricKind.Sum, reader.ReadBytes().ToArray())); break;
                case (9, ProtoReader.LengthDelimited): data.Add((OtlpMetricKind.Histogram, reader.ReadBytes().ToArray())); break;
                default: reader.Skip(wire); break;
            }
        }

        foreach (var (kind, payload) in data)
        {
            // Gauge / Sum / Histogram { repeated *DataPoint data_points = 1; ... }
            var body = new ProtoReader(payload);
            while (body.TryReadTag(out var field, out var wire))
            {
                if (field == 1 && wire == ProtoReader.LengthDelimited)
                {
                    points.Add(kind == OtlpMetricKind.Histogram
                        ? HistogramPoint(body.ReadBytes(), name, unit, scope, resource)
                        : NumberPoint(body.ReadBytes(), name, unit, kind, scope, resource));
                }
                else
                {
                    body.Skip(wire);
                }
            }
        }
    }

    /// <summary>NumberDataPoint { time_unix_nano = 3 (fixed64); as_double = 4; as_int = 6 (sfixed64); attributes = 7; }</summary>
    private static OtlpMetricPoint NumberPoint(ReadOnlySpan<byte> bytes, string name, string unit, OtlpMetricKind kind, string scope, IReadOnlyDictionary<string, object?> resource)
    {
        double? value = null;
        ulong time = 0;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (3, ProtoReader.Fixed64): time = reader.ReadFixed64(); break;
                case (4, ProtoReader.Fixed64): value = reader.ReadDouble(); break;
                case (6, ProtoReader.Fixed64): value = (long)reader.ReadFixed64(); break;
                case (7, ProtoReader.LengthDelimited): AddKeyValue(reader.ReadBytes(), attributes); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpMetricPoint(name, unit, kind, value, null, null, time, attributes, scope, resource);
    }

    /// <summary>HistogramDataPoint { time_unix_nano = 3; count = 4 (fixed64); sum = 5 (double); attributes = 9; }</summary>
    private static OtlpMetricPoint HistogramPoint(ReadOnlySpan<byte> bytes, string name, string unit, string scope, IReadOnlyDictionary<string, object?> resource)
    {
        ulong? count = null;
        double? sum = null;
        ulong time = 0;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (3, ProtoReader.Fixed64): time = reader.ReadFixed64(); break;
                case (4, ProtoReader.Fixed64): count = reader.ReadFixed64(); break;
                case (5, ProtoReader.Fixed64): sum = reader.ReadDouble(); break;
                case (9, ProtoReader.LengthDelimited): AddKeyValue(reader.ReadBytes(), attributes); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpMetricPoint(name, unit, OtlpMetricKind.Histogram, null, count, sum, time, attributes, scope, resource);
    }

    /// <summary>LogRecord { severity_number = 2; body = 5; attributes = 6; trace_id = 9; span_id = 10; }</summary>
    private static OtlpLogRecord Log(ReadOnlySpan<byte> bytes, IReadOnlyDictionary<string, object?> resource)
    {
        string? traceId = null, spanId = null, body = null;
        var severity = 0;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (2, ProtoReader.Varint): severity = (int)reader.ReadVarint(); break;
                case (5, ProtoReader.LengthDelimited): body = AnyValue(reader.ReadBytes())?.ToString(); break;
                case (6, ProtoReader.LengthDelimited): AddKeyValue(reader.ReadBytes(), attributes); break;
                case (9, ProtoReader.LengthDelimited): traceId = Hex(reader.ReadBytes()) is { Length: > 0 } t ? t : null; break;
                case (10, ProtoReader.LengthDelimited): spanId = Hex(reader.ReadBytes()) is { Length: > 0 } s ? s : null; break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpLogRecord(traceId, spanId, severity, body, attributes, resource);
    }

    /// <summary>InstrumentationScope { name = 1; }</summary>
    private static string ScopeName(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited)
            {
                return reader.ReadString();
            }

            reader.Skip(wire);
        }

        return string.Empty;
    }

    /// <summary>Reads the repeated KeyValue field <paramref name="attributeField"/> of a message.</summary>
    private static Dictionary<string, object?> Attributes(ReadOnlySpan<byte> bytes, int attributeField)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == attributeField && wire == ProtoReader.LengthDelimited)
            {
                AddKeyValue(reader.ReadBytes(), attributes);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return attributes;
    }

    /// <summary>KeyValue { string key = 1; AnyValue value = 2; }</summary>
    private static void AddKeyValue(ReadOnlySpan<byte> bytes, Dictionary<string, object?> into)
    {
        string? key = null;
        object? value = null;
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtoReader.LengthDelimited): key = reader.ReadString(); break;
                case (2, ProtoReader.LengthDelimited): value = AnyValue(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }

        if (key is not null)
        {
            into[key] = value;
        }
    }

    /// <summary>AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4; bytes_value = 7; } (arrays and maps: skipped).</summary>
    private static object? AnyValue(ReadOnlySpan<byte> bytes)
    {
        object? value = null;
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtoReader.LengthDelimited): value = reader.ReadString(); break;
                case (2, ProtoReader.Varint): value = reader.ReadVarint() != 0; break;
                case (3, ProtoReader.Varint): value = (long)reader.ReadVarint(); break;
                case (4, ProtoReader.Fixed64): value = reader.ReadDouble(); break;
                case (7, ProtoReader.LengthDelimited): value = reader.ReadBytes().ToArray(); break;
                default: reader.Skip(wire); break;
            }
        }

        return value;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
