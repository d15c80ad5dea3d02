using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.Telemetry;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// Issue 6's trace proof for every queue kind: a lister and two copier processes export to an
/// in-test OTLP receiver; the lister's publish span and the copiers' process spans are one trace
/// (the message carries the context), copies and their checks hang under the process spans, and
/// the metrics add up across the processes.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTelemetryTests : IDisposable
{
    private const int Objects = 40;
    private readonly TempTree work = new("cluster-otel");

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqs")]
    [InlineData("pubsub")]
    public async Task ListerAndCopiers_ThroughTheQueue_PublishAndProcessSpansAreOneTraceAndMetricsAddUp(string queueKind)
    {
        await using var receiver = OtlpReceiver.Start();
        await using var cluster = await ClusterEnvironment.CreateAsync(queueKind);
        using var src = new TempTree("otel-src");
        using var dst = new TempTree("otel-dst");
        var random = new Random(3);
        long bytes = 0;
        for (var i = 0; i < Objects; i++)
        {
            var content = new byte[random.Next(1, 20_000)];
            random.NextBytes(content);
            src.Write($"d/{i}.bin", content);
            bytes += content.Length;
        }

        var env = new Dictionary<string, string?>(cluster.Variables)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = null,
            ["OTEL_RESOURCE_ATTRIBUTES"] = null,
        };

        Assert.Equal(0, (await CliProcess.RunAsync(["job", "create", "otel", src.Root, dst.Root], env)).ExitCode);
        var lister = await CliProcess.RunAsync(["lister", "--job", "otel"], env);
        Assert.True(lister.ExitCode == 0, lister.ToString());
        var copiers = await Task.WhenAll(
            CliProcess.RunAsync(["copier", "-j", "2", "--idle-exit", "3s"], env),
            CliProcess.RunAsync(["copier", "-j", "2", "--idle-exit", "3s"], env));
        Assert.All(copiers, c => Assert.True(c.ExitCode == 0, c.ToString()));
        src.AssertSameAs(dst);

        await receiver.WaitUntilAsync(
            r => r.Spans.Count(s => s.Name == "copy object") >= Objects && r.Total("heavysync.copy.objects") >= Objects,
            TimeSpan.FromSeconds(30), "the copiers' spans and metrics");
        Assert.Empty(receiver.Errors);

        // Each role is its own service; the publish spans are the lister's, the process spans the copiers'.
        var view = new ExportedTelemetry(receiver);
        Assert.All(view.Messaging("publish"), p => Assert.Equal("heavysync-lister", p.ServiceName));
        Assert.All(view.Messaging("publish"), p => Assert.Equal("otel", p.Resource.GetValueOrDefault("heavysync.job")));
        Assert.All(view.Messaging("process"), p => Assert.Equal("heavysync-copier", p.ServiceName));
        var system = queueKind switch { "sqs" => "aws_sqs", "pubsub" => "gcp_pubsub", _ => "postgresql" };
        Assert.All(view.Messaging("publish").Concat(view.Messaging("process")).Concat(view.Messaging("receive")), s => Assert.Equal(system, s.Attributes["messaging.system"]));
        Assert.Contains(view.Own("list page"), s => s.ServiceName == "heavysync-lister");
        Assert.Single(view.Own("plan"));

        // Through the queue, across processes: every process span continues the lister's publish span.
        view.AssertPublishReachesEveryCopy(Objects);
        view.AssertProcessLinkedToReceive();
        view.AssertVerifyUnderEveryCopy();
        var trace = Assert.Single(view.Own("lister run")).TraceId;
        Assert.Equal(trace, Assert.Single(view.Messaging("publish")).TraceId);
        Assert.All(view.Own("copy object"), c => Assert.Equal(trace, c.TraceId));

        // Metrics from both copiers add up to the run.
        Assert.Equal(Objects, receiver.Total("heavysync.copy.objects"));
        Assert.Equal(bytes, receiver.Total("heavysync.copy.bytes"));
        Assert.Equal((ulong)Objects, receiver.HistogramCount("heavysync.copy.duration"));
        Assert.Equal(Objects, receiver.Total("heavysync.list.objects", a => Equals(a.GetValueOrDefault("heavysync.side"), "Source")));
        Assert.Equal(0, receiver.Total("heavysync.copy.in_flight"));
        if (queueKind != "pubsub")
        {
            // Pub/Sub's backlog comes from Cloud Monitoring, which the emulator lacks: depth unknown, not reported.
            Assert.True(
                receiver.MetricPoints.Any(p => p.Name == "heavysync.queue.depth" && Equals(p.Resource["service.name"], "heavysync-copier")),
                "no queue depth from a copier; got " + string.Join(", ", receiver.MetricPoints.Select(p => $"{p.Name}@{p.Resource.GetValueOrDefault("service.name")}").Distinct()));
        }
    }

    public void Dispose() => work.Dispose();
}
