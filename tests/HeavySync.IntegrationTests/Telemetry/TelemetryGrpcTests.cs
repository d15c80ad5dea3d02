using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>OTLP export over gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc) from the real binary, received by an h2c front.</summary>
public sealed class TelemetryGrpcTests : IDisposable
{
    private readonly TempTree work = new("otel-grpc");

    [Fact]
    public async Task Sync_GrpcProtocol_ExportsTracesAndMetricsOverGrpc()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var front = await OtlpGrpcFront.StartAsync(receiver);
        using var src = new TempTree("grpc-src");
        using var dst = new TempTree("grpc-dst");
        for (var i = 0; i < 5; i++)
        {
            src.Write($"f{i}.txt", [(byte)i, 1, 2]);
        }

        var result = await CliProcess.RunAsync(
            ["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "s.db")],
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = front.Endpoint.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
                ["OTEL_SERVICE_NAME"] = null,
                ["OTEL_RESOURCE_ATTRIBUTES"] = null,
            });

        Assert.True(result.ExitCode == 0, result.ToString());
        await receiver.WaitUntilAsync(r => r.SpansNamed("copy object").Count >= 5 && r.Total("heavysync.copy.objects") >= 5, TimeSpan.FromSeconds(20), "spans and metrics over gRPC");
        Assert.Empty(receiver.Errors);
        Assert.True(front.Calls.ContainsKey("/opentelemetry.proto.collector.trace.v1.TraceService/Export"), string.Join(", ", front.Calls.Keys));
        Assert.True(front.Calls.ContainsKey("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"), string.Join(", ", front.Calls.Keys));
        Assert.Equal(5, receiver.Total("heavysync.copy.objects"));
        Assert.All(receiver.Spans, s => Assert.Equal("heavysync-sync", s.ServiceName));
        new ExportedTelemetry(receiver).AssertPublishReachesEveryCopy(5);
    }

    public void Dispose() => work.Dispose();
}
