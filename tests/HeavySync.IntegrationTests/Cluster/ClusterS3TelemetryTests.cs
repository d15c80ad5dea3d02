using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.Faults;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.IntegrationTests.Telemetry;
using HeavySync.Locations;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The cluster's telemetry on real stores: a lister and two copier processes move objects from one
/// radosgw bucket to another through a proxy that answers some requests with SlowDown or
/// InternalError, over each queue kind, exporting to an in-test OTLP receiver. One trace holds the
/// lister's run (its listing requests under the list pages), the plan, the publish and every
/// copier's work; the metrics count requests, bytes, skips, retries and the queue depth as they
/// happened; console logs are JSON lines carrying trace ids; no secret leaves in any signal.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterS3TelemetryTests : IAsyncLifetime
{
    private const int Objects = 30;
    private const int Unchanged = 3;
    private RadosgwServer server = null!;
    private AmazonS3Client client = null!;

    public async Task InitializeAsync()
    {
        server = await RadosgwServer.GetAsync();
        client = new AmazonS3Client(server.Credentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = server.Endpoint, Region = "us-east-1" }));
    }

    public Task DisposeAsync()
    {
        client.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("postgres", "postgresql")]
    [InlineData("sqs", "aws_sqs")]
    [InlineData("pubsub", "gcp_pubsub")]
    public async Task ListerAndCopiers_S3ThroughFaultyProxy_OneTraceMetricsThatAddUpJsonLogsNoSecrets(string queueKind, string messagingSystem)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var secretKey = server.Credentials.GetCredentials().SecretKey;
        await using var receiver = OtlpReceiver.Start();
        await using var cluster = await ClusterEnvironment.CreateAsync(queueKind, statePassword: password);
        await using var proxy = FaultInjectingProxy.Start(server.Endpoint, new FaultOptions
        {
            Seed = 17,
            Rates = new Dictionary<FaultKind, double> { [FaultKind.SlowDown] = 0.05, [FaultKind.InternalError] = 0.05 },
        });
        var (src, dst) = ("hs-otel-src-" + Guid.NewGuid().ToString("N")[..12], "hs-otel-dst-" + Guid.NewGuid().ToString("N")[..12]);
        await client.PutBucketAsync(src);
        await client.PutBucketAsync(dst);
        long sourceBytes = 0;
        long unchangedBytes = 0;
        for (var i = 0; i < Objects; i++)
        {
            var content = TestData.Bytes(1_000 + (i * 977), seed: i);
            sourceBytes += content.Length;
            await client.PutObjectAsync(new PutObjectRequest { BucketName = src, Key = $"d/{i:D2}.bin", InputStream = new MemoryStream(content) });
            if (i < Unchanged)
            {
                // Already at the destination, byte for byte: the plan leaves these alone.
                await client.PutObjectAsync(new PutObjectRequest { BucketName = dst, Key = $"d/{i:D2}.bin", InputStream = new MemoryStream(content) });
                unchangedBytes += content.Length;
            }
        }

        var access = server.Credentials.GetCredentials();
        var env = new Dictionary<string, string?>(cluster.Variables)
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = secretKey,
            ["AWS_ENDPOINT_URL_S3"] = proxy.Endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = null,
            ["OTEL_RESOURCE_ATTRIBUTES"] = null,
            ["HEAVYSYNC_LOG_FORMAT"] = "json",
            // One listing batch per side, however long retries of injected faults make the listing take.
            ["HEAVYSYNC_LISTING_BATCH_INTERVAL"] = "1h",
        };
        Assert.Contains(password, cluster.StateUrl, StringComparison.Ordinal);

        var results = new List<CliResult>
        {
            await CliProcess.RunAsync(["job", "create", "s3otel", $"s3://{src}/d/", $"s3://{dst}/d/"], env),
        };
        var lister = await CliProcess.RunAsync(["lister", "--job", "s3otel", "-v"], env);
        results.Add(lister);
        Assert.True(lister.ExitCode == 0, lister.ToString());

        // One object goes away between listing and copying: the copiers skip it as vanished.
        await client.DeleteObjectAsync(src, $"d/{Objects - 1:D2}.bin");
        var copied = Objects - Unchanged - 1;
        var copiers = await Task.WhenAll(
            CliProcess.RunAsync(["copier", "-j", "2", "--idle-exit", "3s", "--verbose", "2"], env),
            CliProcess.RunAsync(["copier", "-j", "2", "--idle-exit", "3s", "--verbose", "2"], env));
        results.AddRange(copiers);
        Assert.All(copiers, c => Assert.True(c.ExitCode == 0, c.ToString()));

        await receiver.WaitUntilAsync(
            r => r.Spans.Count(s => s.Name == "copy object") >= Objects - Unchanged && r.Total("heavysync.copy.objects") >= copied
                 && r.Total("heavysync.skip.objects", a => Equals(a.GetValueOrDefault("heavysync.reason"), "vanished")) >= 1,
            TimeSpan.FromSeconds(30), "the copiers' spans and metrics");
        Assert.Empty(receiver.Errors);
        Assert.True(proxy.TotalInjected > 0, "the proxy injected no fault: the retry counts prove nothing");
        var view = new ExportedTelemetry(receiver);

        // One trace: the lister's run is the root of its list pages, plan and publish, and every
        // copier's process span continues the publish span.
        var run = Assert.Single(view.Own("lister run"));
        Assert.Null(run.ParentSpanId);
        Assert.Equal("heavysync-lister", run.ServiceName);
        Assert.NotNull(run.Attributes.GetValueOrDefault("heavysync.run"));
        var pages = view.Own("list page");
        var publish = Assert.Single(view.Messaging("publish"));
        Assert.True(pages.Count == 2, "one list page per side, not: " + string.Join(", ", pages.Select(p => $"{p.Attributes.GetValueOrDefault("heavysync.side")} {p.Attributes.GetValueOrDefault("heavysync.objects")} objects")));
        Assert.All(pages.Append(Assert.Single(view.Own("plan"))).Append(publish), s => Assert.Equal((run.TraceId, run.SpanId), (s.TraceId, s.ParentSpanId)));
        Assert.All(view.Messaging("process"), p =>
        {
            Assert.Equal("heavysync-copier", p.ServiceName);
            Assert.Equal(run.TraceId, p.TraceId);
            Assert.Equal(messagingSystem, p.Attributes["messaging.system"]);
            Assert.Equal(run.Attributes["heavysync.run"], p.Attributes["heavysync.run"]);
        });
        Assert.Equal(messagingSystem, publish.Attributes["messaging.system"]);
        // A copy object span per planned copy, the vanished one included (it ends in a skip).
        view.AssertPublishReachesEveryCopy(Objects - Unchanged);
        Assert.All(view.Own("copy object"), c => Assert.Equal(run.TraceId, c.TraceId));

        // Every store request of the lister is in the run's trace: opening the buckets and cleaning
        // up old uploads under the run span, each listing page (a retry too) under its list page
        // span, which covers the fetch as well as the save. (Exported URLs hide their queries, so
        // the parentage tells the requests apart.)
        var pageIds = pages.Select(p => p.SpanId).ToHashSet();
        var listerSpans = receiver.Spans.Where(s => s.Scope == "System.Net.Http" && s.ServiceName == "heavysync-lister").ToList();
        Assert.All(listerSpans, h => Assert.Equal(run.TraceId, h.TraceId));
        var listerHttp = listerSpans.Where(h => Convert.ToString(h.Attributes.GetValueOrDefault("url.full"), System.Globalization.CultureInfo.InvariantCulture)!.StartsWith(proxy.Endpoint, StringComparison.Ordinal)).ToList();
        Assert.All(listerHttp, h => Assert.True(
            h.TraceId == run.TraceId && (h.ParentSpanId == run.SpanId || pageIds.Contains(h.ParentSpanId!)),
            $"{h} is neither under the run nor under a list page"));
        Assert.All(pages, p => Assert.Contains(listerHttp, h => h.ParentSpanId == p.SpanId && Equals(h.Attributes.GetValueOrDefault("http.request.method"), "GET")));
        // No store request of any role is an orphan (idle queue polls are, by design: they belong to no run).
        var orphans = receiver.Spans.Where(s => s.Scope == "System.Net.Http" && s.ParentSpanId is null
            && Convert.ToString(s.Attributes.GetValueOrDefault("url.full"), System.Globalization.CultureInfo.InvariantCulture)!.StartsWith(proxy.Endpoint, StringComparison.Ordinal));
        Assert.True(!orphans.Any(), "store requests outside any trace: " + string.Join(", ", orphans.Select(o => $"{o.ServiceName} {o.Name} {o.Attributes.GetValueOrDefault("url.full")}")));

        // Metrics, summed over the three processes.
        Assert.Equal(copied, receiver.Total("heavysync.copy.objects"));
        Assert.Equal(Objects, receiver.Total("heavysync.list.objects", Side("Source")));
        Assert.Equal(sourceBytes, receiver.Total("heavysync.list.bytes", Side("Source")));
        Assert.Equal(Unchanged, receiver.Total("heavysync.list.objects", Side("Destination")));
        Assert.Equal(Unchanged, receiver.Total("heavysync.skip.objects", Reason("unchanged")));
        Assert.Equal(unchangedBytes, receiver.Total("heavysync.skip.bytes", Reason("unchanged")));
        Assert.Equal(1, receiver.Total("heavysync.skip.objects", Reason("vanished")));
        Assert.Null(receiver.Total("heavysync.copy.failed"));
        // Both buckets on one S3 endpoint: each object is copied server-side, one COPY request at least.
        Assert.True(receiver.Total("heavysync.store.requests", Operation("COPY")) >= copied, "fewer COPY requests than copies");
        Assert.True(receiver.Total("heavysync.store.requests", Operation("LIST")) >= 2, "a LIST per side");
        var stores = receiver.MetricPoints.Where(p => p.Name == "heavysync.store.requests").Select(p => (string)p.Attributes["heavysync.store"]!).ToHashSet();
        Assert.Contains($"s3://{src}/d/", stores);
        Assert.Contains($"s3://{dst}/d/", stores);
        // Queue requests are a cost of the run too: counted under the queue's own store name.
        var (queueStore, sendOperation) = queueKind switch
        {
            "sqs" => ("sqs", "SendMessageBatch"),
            "pubsub" => ("pubsub", "publish"),
            _ => ("postgres", "publish"),
        };
        Assert.True(stores.Remove(queueStore), $"no request counted for the {queueKind} queue: {string.Join(", ", stores)}");
        var sent = receiver.MetricPoints.Where(p => p.Name == "heavysync.store.requests" && Equals(p.Attributes.GetValueOrDefault("heavysync.store"), queueStore))
            .Select(p => (string)p.Attributes["heavysync.operation"]!).ToHashSet();
        Assert.True(sent.Contains(sendOperation), $"the lister's {sendOperation} is not among the {queueStore} requests counted: {string.Join(", ", sent)}");

        Assert.Equal(2, stores.Count);

        // Every injected fault was one failed attempt, retried: the request-layer retries add up to them.
        Assert.Equal(proxy.TotalInjected, receiver.Total("heavysync.retries", a => Equals(a.GetValueOrDefault("heavysync.retry.layer"), "request")));
        // Throttling is counted from the error code, which a SlowDown answer to a HEAD (no body) does not carry.
        // Every other SlowDown is a throttling event.
        var slowDowns = proxy.Seen.Where(r => r.Fault == FaultKind.SlowDown).ToList();
        Assert.InRange(receiver.Total("heavysync.store.throttled") ?? 0, slowDowns.Count(r => r.Method != "HEAD"), slowDowns.Count);

        // Queue depth: the copiers report what the queue tells; Pub/Sub's backlog needs Cloud
        // Monitoring, which the emulator lacks: unknown, so not reported at all (never a made-up 0).
        var depth = receiver.MetricPoints.Where(p => p.Name == "heavysync.queue.depth" && Equals(p.Resource["service.name"], "heavysync-copier")).ToList();
        if (queueKind == "pubsub")
        {
            Assert.Empty(depth);
        }
        else
        {
            Assert.NotEmpty(depth);
            Assert.All(depth, p => Assert.InRange(p.Value!.Value, 0, Objects));
        }

        // Logs: the copiers' console lines are JSON, and the vanished object's line names the trace it belongs to.
        var lines = copiers.SelectMany(c => c.Stdout.Split('\n')).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(lines);
        var vanished = Assert.Single(lines, l => l.GetProperty("Message").GetString()!.Contains("vanished", StringComparison.Ordinal));
        var scopes = vanished.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var t) && t.GetString() == run.TraceId);

        // OTLP log records carry the trace too: the lister's "published" line, with its run.
        var published = Assert.Single(receiver.Logs, l => l.Body?.StartsWith("Published", StringComparison.Ordinal) == true);
        Assert.Equal(run.TraceId, published.TraceId);
        Assert.Equal(run.Attributes["heavysync.run"], published.Attributes.GetValueOrDefault("heavysync.run"));

        // No secret in any exported signal, nor on the console.
        foreach (var secret in new[] { password, secretKey })
        {
            Assert.DoesNotContain(receiver.Spans, s => Leaks(secret, s.Name, s.Attributes, s.Resource));
            Assert.DoesNotContain(receiver.Logs, l => Leaks(secret, l.Body, l.Attributes, l.Resource));
            Assert.DoesNotContain(receiver.MetricPoints, p => Leaks(secret, p.Name, p.Attributes, p.Resource));
            Assert.DoesNotContain(results, r => r.All.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static bool Leaks(string secret, string? text, params IReadOnlyDictionary<string, object?>[] attributes) =>
        (text?.Contains(secret, StringComparison.Ordinal) ?? false)
        || attributes.Any(a => a.Any(kv => kv.Key.Contains(secret, StringComparison.Ordinal) || (Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture)?.Contains(secret, StringComparison.Ordinal) ?? false)));

    private static Func<IReadOnlyDictionary<string, object?>, bool> Side(string side) => a => Equals(a.GetValueOrDefault("heavysync.side"), side);

    private static Func<IReadOnlyDictionary<string, object?>, bool> Reason(string reason) => a => Equals(a.GetValueOrDefault("heavysync.reason"), reason);

    private static Func<IReadOnlyDictionary<string, object?>, bool> Operation(string operation) => a => Equals(a.GetValueOrDefault("heavysync.operation"), operation);
}
