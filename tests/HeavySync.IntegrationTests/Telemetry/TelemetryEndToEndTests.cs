using Amazon.S3;
using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;

namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>
/// The real <c>heavysync sync</c> binary exporting to an in-test OTLP receiver: spans connected
/// from publish to process to copy to the HTTP requests, and metrics that add up.
/// </summary>
public sealed class TelemetryEndToEndTests : IAsyncLifetime, IDisposable
{
    private const int Objects = 12;
    private readonly TempTree _work = new("otel");
    private RadosgwServer _server = null!;
    private AmazonS3Client _client = null!;
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _server = await RadosgwServer.GetAsync();
        _client = new AmazonS3Client(_server.Credentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = _server.Endpoint, Region = "us-east-1" }));
        _receiver = OtlpReceiver.Start();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Sync_OtlpEndpointSet_ExportsConnectedSpansAndMetricsThatAddUp()
    {
        var bucket = "hs-otel-" + Guid.NewGuid().ToString("N")[..16];
        await _client.PutBucketAsync(bucket);
        using var src = new TempTree("otel-src");
        var random = new Random(11);
        long totalBytes = 0;
        for (var i = 0; i < Objects; i++)
        {
            var content = new byte[random.Next(1, 40_000)];
            random.NextBytes(content);
            src.Write($"dir/{i}.bin", content);
            totalBytes += content.Length;
        }

        File.CreateSymbolicLink(src.PathOf("link-to-dir"), src.PathOf("dir"));

        var result = await CliProcess.RunAsync(["sync", src.Root, $"s3://{bucket}/data", "--state", Path.Combine(_work.Root, "state.db")], Env());

        Assert.True(result.ExitCode == 0, result.ToString());
        await _receiver.WaitUntilAsync(r => r.Total("heavysync.copy.objects") is not null && r.SpansNamed("copy object").Count >= Objects, TimeSpan.FromSeconds(20), "the run's spans and metrics");
        Assert.Empty(_receiver.Errors);
        var view = new ExportedTelemetry(_receiver);

        // Every signal names the role.
        Assert.All(_receiver.Spans, s => Assert.Equal("heavysync-sync", s.ServiceName));
        Assert.All(_receiver.MetricPoints, p => Assert.Equal("heavysync-sync", p.Resource["service.name"]));

        // Listing, planning, publishing, processing, copying, verifying.
        Assert.True(_receiver.SpansNamed("list page").Count >= 2, "a list page span per side");
        Assert.Single(_receiver.SpansNamed("plan"));
        view.AssertPublishReachesEveryCopy(Objects);
        view.AssertProcessLinkedToReceive();
        view.AssertVerifyUnderEveryCopy();

        // The store's HTTP requests are children of the copy spans: each copy PUT its object.
        view.AssertHttpChildrenUnderEveryCopy("PUT");

        // Metrics that add up.
        Assert.Equal(Objects, _receiver.Total("heavysync.copy.objects"));
        Assert.Equal(totalBytes, _receiver.Total("heavysync.copy.bytes"));
        Assert.Equal(Objects, _receiver.Total("heavysync.list.objects", a => Equals(a.GetValueOrDefault("heavysync.side"), "Source")));
        Assert.Equal(totalBytes, _receiver.Total("heavysync.list.bytes", a => Equals(a.GetValueOrDefault("heavysync.side"), "Source")));
        Assert.Equal((ulong)Objects, _receiver.HistogramCount("heavysync.copy.duration"));
        Assert.Equal(0, _receiver.Total("heavysync.copy.in_flight"));
        Assert.True(_receiver.Total("heavysync.store.requests", a => Equals(a.GetValueOrDefault("heavysync.operation"), "PUT")) >= Objects);
        Assert.Null(_receiver.Total("heavysync.copy.failed"));
        Assert.NotNull(_receiver.HistogramCount("http.client.request.duration"));
        Assert.Contains(_receiver.MetricPoints, p => p.Scope == "System.Runtime");

        // Logs travel too: the skipped symlink's warning, structured, with the role's resource.
        await _receiver.WaitUntilAsync(r => r.Logs.Count > 0, TimeSpan.FromSeconds(10), "the symlink warning");
        var warning = Assert.Single(_receiver.Logs, l => l.Body?.Contains("symbolic link", StringComparison.Ordinal) == true);
        Assert.Equal(13, warning.SeverityNumber);
        Assert.Equal("heavysync-sync", warning.Resource["service.name"]);
        Assert.True(warning.Attributes.ContainsKey("Path"), "structured: the path is an attribute");

        // A second run finds everything unchanged: skipped, nothing copied.
        var again = await CliProcess.RunAsync(["sync", src.Root, $"s3://{bucket}/data", "--state", Path.Combine(_work.Root, "state.db")], Env());
        Assert.True(again.ExitCode == 0, again.ToString());
        await _receiver.WaitUntilAsync(r => r.Total("heavysync.skip.objects") is not null, TimeSpan.FromSeconds(20), "the second run's metrics");
        Assert.Equal(Objects, _receiver.Total("heavysync.skip.objects", a => Equals(a.GetValueOrDefault("heavysync.reason"), "unchanged")));
        Assert.Equal(totalBytes, _receiver.Total("heavysync.skip.bytes", a => Equals(a.GetValueOrDefault("heavysync.reason"), "unchanged")));
        Assert.Equal(Objects, _receiver.Total("heavysync.copy.objects"));
    }

    [Fact]
    public async Task Sync_NoOtlpEndpoint_ExportsNothing()
    {
        using var src = new TempTree("otel-off");
        src.Write("a.txt", [1, 2, 3]);
        using var dst = new TempTree("otel-off-dst");

        var env = Env();
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        var result = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(_work.Root, "off.db")], env);
        await Task.Delay(500);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task Sync_MalformedOtlpProtocol_FailsWithOneLineUsageError()
    {
        using var src = new TempTree("otel-bad");
        src.Write("a.txt", [1]);
        var env = Env();
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "carrier-pigeon";

        var result = await CliProcess.RunAsync(["sync", src.Root, Path.Combine(_work.Root, "bad-dst"), "--state", Path.Combine(_work.Root, "bad.db")], env);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("heavysync: OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or grpc, not 'carrier-pigeon'", result.Stderr.Trim());
    }

    private Dictionary<string, string?> Env()
    {
        var access = _server.Credentials.GetCredentials();
        return new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_ENDPOINT_URL_S3"] = _server.Endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work.Root, "no-credentials"),
            ["AWS_CONFIG_FILE"] = Path.Combine(_work.Root, "no-config"),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = null,
            ["OTEL_RESOURCE_ATTRIBUTES"] = null,
        };
    }

    public void Dispose() => _work.Dispose();
}
