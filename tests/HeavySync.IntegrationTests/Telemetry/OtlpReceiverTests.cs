using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>
/// The receiver and its protobuf decoding, fed by the real OpenTelemetry SDK exporter over
/// HTTP/protobuf: ids, parents, kinds, links, attributes, resources, sums, histograms, logs.
/// </summary>
public sealed class OtlpReceiverTests : IAsyncLifetime
{
    private OtlpReceiver _receiver = null!;

    public Task InitializeAsync()
    {
        _receiver = OtlpReceiver.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task DecodeTraces_SdkExport_IdsParentsKindsLinksAndAttributesRoundTrip()
    {
        var sourceName = "otlp-receiver-test-" + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName);
        using var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("receiver-test").AddAttributes([new("heavysync.run", 7L)]))
            .AddSource(sourceName)
            .AddOtlpExporter(o => Configure(o, "v1/traces"))
            .Build();

        string producerTrace, producerSpan, consumerSpan, linkedSpan;
        using (var producer = source.StartActivity("publish", ActivityKind.Producer)!)
        {
            producer.SetTag("text", "ünïcødé");
            producer.SetTag("count", 42L);
            producer.SetTag("flag", true);
            producer.SetTag("ratio", 0.5);
            producerTrace = producer.TraceId.ToHexString();
            producerSpan = producer.SpanId.ToHexString();
            using var consumer = source.StartActivity("process", ActivityKind.Consumer)!;
            consumerSpan = consumer.SpanId.ToHexString();
        }

        using (var linked = source.StartActivity("linked", ActivityKind.Consumer, parentContext: default, links:
            [new ActivityLink(new ActivityContext(ActivityTraceId.CreateFromString(producerTrace), ActivitySpanId.CreateFromString(producerSpan), ActivityTraceFlags.Recorded))])!)
        {
            linkedSpan = linked.SpanId.ToHexString();
        }

        Assert.True(provider.ForceFlush(10_000));
        await _receiver.WaitUntilAsync(r => r.Spans.Count >= 3, TimeSpan.FromSeconds(10), "three spans");

        var publish = Assert.Single(_receiver.SpansNamed("publish"));
        var process = Assert.Single(_receiver.SpansNamed("process"));
        var link = Assert.Single(_receiver.SpansNamed("linked"));
        Assert.Equal((producerTrace, producerSpan, OtlpSpanKind.Producer, (string?)null), (publish.TraceId, publish.SpanId, publish.Kind, publish.ParentSpanId));
        Assert.Equal((producerTrace, consumerSpan, OtlpSpanKind.Consumer, producerSpan), (process.TraceId, process.SpanId, process.Kind, process.ParentSpanId));
        Assert.Equal(linkedSpan, link.SpanId);
        Assert.NotEqual(producerTrace, link.TraceId);
        Assert.Equal([new OtlpLink(producerTrace, producerSpan)], link.Links);
        Assert.True(process.Continues(publish));
        Assert.True(link.Continues(publish));
        Assert.False(publish.Continues(process));
        Assert.Equal("ünïcødé", publish.Attributes["text"]);
        Assert.Equal(42L, publish.Attributes["count"]);
        Assert.Equal(true, publish.Attributes["flag"]);
        Assert.Equal(0.5, publish.Attributes["ratio"]);
        Assert.Equal(sourceName, publish.Scope);
        Assert.Equal("receiver-test", publish.ServiceName);
        Assert.Equal(7L, publish.Resource["heavysync.run"]);
        Assert.Empty(_receiver.Errors);
    }

    [Fact]
    public async Task DecodeMetrics_SdkExport_SumsHistogramsAndGaugesWithAttributes()
    {
        var meterName = "otlp-receiver-test-" + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var counter = meter.CreateCounter<long>("test.objects", "{object}");
        var histogram = meter.CreateHistogram<double>("test.duration", "s");
        meter.CreateObservableGauge("test.depth", () => 17L);
        using var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("receiver-test"))
            .AddMeter(meterName)
            .AddOtlpExporter((o, reader) =>
            {
                Configure(o, "v1/metrics");
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build();

        counter.Add(5, new KeyValuePair<string, object?>("side", "Source"));
        counter.Add(7, new KeyValuePair<string, object?>("side", "Source"));
        counter.Add(100, new KeyValuePair<string, object?>("side", "Destination"));
        histogram.Record(0.25);
        histogram.Record(0.75);
        histogram.Record(2);
        Assert.True(provider.ForceFlush(10_000));
        await _receiver.WaitUntilAsync(r => r.Total("test.depth") is not null, TimeSpan.FromSeconds(10), "metrics");

        Assert.Equal(12, _receiver.Total("test.objects", a => Equals(a.GetValueOrDefault("side"), "Source")));
        Assert.Equal(112, _receiver.Total("test.objects"));
        Assert.Equal(3UL, _receiver.HistogramCount("test.duration"));
        Assert.Equal(3.0, _receiver.MetricPoints.Last(p => p.Name == "test.duration").Sum);
        Assert.Equal("s", _receiver.MetricPoints.First(p => p.Name == "test.duration").Unit);
        Assert.Equal(17, _receiver.Total("test.depth"));
        Assert.Equal(OtlpMetricKind.Gauge, _receiver.MetricPoints.First(p => p.Name == "test.depth").Kind);
        Assert.Equal(OtlpMetricKind.Sum, _receiver.MetricPoints.First(p => p.Name == "test.objects").Kind);
        Assert.Null(_receiver.Total("test.absent"));
        Assert.Empty(_receiver.Errors);
    }

    [Fact]
    public async Task Total_SeveralExportsOfACumulativeSum_CountsTheLatestOnly()
    {
        var meterName = "otlp-receiver-test-" + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var counter = meter.CreateCounter<long>("test.cumulative");
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddOtlpExporter((o, reader) =>
            {
                Configure(o, "v1/metrics");
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build();

        counter.Add(3);
        Assert.True(provider.ForceFlush(10_000));
        counter.Add(4);
        Assert.True(provider.ForceFlush(10_000));
        await _receiver.WaitUntilAsync(r => r.MetricPoints.Count(p => p.Name == "test.cumulative") >= 2, TimeSpan.FromSeconds(10), "two exports");

        Assert.Equal(7, _receiver.Total("test.cumulative"));
    }

    [Fact]
    public async Task DecodeLogs_SdkExport_CarriesBodyAndTheSpanItWasWrittenIn()
    {
        var sourceName = "otlp-receiver-test-" + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName);
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string traceId, spanId;
        using (var loggers = LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.AddOtlpExporter(e => Configure(e, "v1/logs"));
        })))
        {
            using var activity = source.StartActivity("work")!;
            traceId = activity.TraceId.ToHexString();
            spanId = activity.SpanId.ToHexString();
            loggers.CreateLogger("test").LogWarning("copied {Count} objects", 3);
        }

        await _receiver.WaitUntilAsync(r => r.Logs.Count >= 1, TimeSpan.FromSeconds(10), "a log record");

        var record = Assert.Single(_receiver.Logs);
        Assert.Equal(traceId, record.TraceId);
        Assert.Equal(spanId, record.SpanId);
        Assert.Equal(13, record.SeverityNumber);
        Assert.Equal("copied 3 objects", record.Body);
        Assert.Equal(3L, record.Attributes["Count"]);
    }

    [Fact]
    public async Task Post_MalformedBody_Answers400AndRecordsTheError()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(_receiver.Endpoint, "/v1/traces"), new ByteArrayContent([0x0A, 0x05, 0x01]));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("truncated", Assert.Single(_receiver.Errors));
    }

    [Fact]
    public void ProtoReader_VarintsFixedAndUnknownFields_ReadAndSkipped()
    {
        // field 1 varint 300; field 2 fixed64 1; field 3 bytes "hi"; field 4 fixed32 7; field 5 varint -1 (10 bytes).
        byte[] bytes = [0x08, 0xAC, 0x02, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x1A, 0x02, (byte)'h', (byte)'i', 0x25, 7, 0, 0, 0,
            0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        var reader = new ProtoReader(bytes);
        var seen = new List<(int, object)>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            seen.Add(field switch
            {
                1 => (field, (object)reader.ReadVarint()),
                3 => (field, reader.ReadString()),
                5 => (field, (long)reader.ReadVarint()),
                _ => Skipped(ref reader, field, wire),
            });
        }

        Assert.Equal([(1, 300UL), (2, "skipped"), (3, "hi"), (4, "skipped"), (5, -1L)], seen);
    }

    private static (int, object) Skipped(ref ProtoReader reader, int field, int wire)
    {
        reader.Skip(wire);
        return (field, "skipped");
    }

    private void Configure(OtlpExporterOptions options, string path)
    {
        options.Endpoint = new Uri(_receiver.Endpoint, path);
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.ExportProcessorType = ExportProcessorType.Simple;
    }
}
