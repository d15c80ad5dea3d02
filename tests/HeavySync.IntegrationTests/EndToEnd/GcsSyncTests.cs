using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.S3;
using HeavySync.Aws.S3;
using HeavySync.Hashing;
using HeavySync.IntegrationTests.Gcs;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>The real binary against Google's storage emulator (through the test-only gaps layer) and
/// radosgw: local ⇄ GCS, GCS → GCS by rewrite, S3 ⇄ GCS with both checksums verified, re-syncs that
/// copy nothing, and a crash in the middle of a resumable upload.</summary>
public sealed class GcsSyncTests : IClassFixture<GcsFixture>, IAsyncLifetime, IDisposable
{
    private static readonly string[] Resumable = ["--gcs-resumable-threshold", "512KiB", "--gcs-chunk-size", "256KiB"];
    private readonly TempTree work = new("gcs-sync");
    private readonly GcsFixture gcs;
    private RadosgwServer s3 = null!;
    private AmazonS3Client client = null!;

    public GcsSyncTests(GcsFixture gcs) => this.gcs = gcs;

    public async Task InitializeAsync()
    {
        s3 = await RadosgwServer.GetAsync();
        client = new AmazonS3Client(s3.Credentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = s3.Endpoint, Region = "us-east-1" }));
    }

    public Task DisposeAsync()
    {
        client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task LocalToGcsToLocal_RoundTripsBytesAndMtimes_AndResyncCopiesNothing()
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        using var back = new TempTree("back");
        var random = new Random(11);
        for (var i = 0; i < 60; i++)
        {
            var content = new byte[random.Next(0, 5000)];
            random.NextBytes(content);
            src.Write($"dir {i % 3}/ünï+%#/{i}.bin", content, new DateTime(2022, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddSeconds(i).AddTicks(1234567));
        }

        src.WriteRandom("big/resumable.bin", (5L * 256 * 1024) + 77, random, new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var chunksBefore = gcs.Gaps.ChunkPuts;

        var up = await Cli(["sync", src.Root, $"gs://{bucket}/data", "--state", State("up"), .. Resumable]);
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.True(gcs.Gaps.ChunkPuts - chunksBefore >= 6, $"the large file went in {gcs.Gaps.ChunkPuts - chunksBefore} chunks");

        var down = await Cli(["sync", $"gs://{bucket}/data", back.Root, "--state", State("down")]);
        Assert.True(down.ExitCode == 0, down.ToString());
        src.AssertSameAs(back);

        var again = await Cli(["sync", src.Root, $"gs://{bucket}/data", "--state", State("up"), .. Resumable]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.DoesNotContain("PUT", again.Stdout);

        var downAgain = await Cli(["sync", $"gs://{bucket}/data", back.Root, "--state", State("down")]);
        Assert.True(downAgain.ExitCode == 0, downAgain.ToString());
        Assert.Contains("copied 0 objects", downAgain.Stdout);
        Assert.DoesNotContain("GET", downAgain.Stdout);
    }

    [Fact]
    public async Task GcsToGcs_SameEndpoint_RewritesServerSideWithoutDownloading()
    {
        var source = await gcs.CreateBucketAsync();
        var destination = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        for (var i = 0; i < 12; i++)
        {
            src.Write($"k/{i}.txt", System.Text.Encoding.UTF8.GetBytes($"body {i}"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddMinutes(i));
        }

        Assert.Equal(0, (await Cli(["sync", src.Root, $"gs://{source}/k", "--state", State("seed")])).ExitCode);
        var rewritesBefore = gcs.Gaps.RewriteCalls;

        var result = await Cli(["sync", $"gs://{source}/k", $"gs://{destination}/copy", "--state", State("rewrite")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(24, RequestCounts.Of(result.Stdout, "COPY"));
        Assert.DoesNotContain("GET", result.Stdout);
        Assert.DoesNotContain("PUT", result.Stdout);
        Assert.Equal(24, gcs.Gaps.RewriteCalls - rewritesBefore);
        var copied = await ObjectAsync(destination, "copy/k/7.txt");
        Assert.Equal(MtimeOf(new DateTime(2020, 1, 2, 3, 11, 5, DateTimeKind.Utc)), copied["metadata"]!["mtime"]!.GetValue<string>());

        var again = await Cli(["sync", $"gs://{source}/k", $"gs://{destination}/copy", "--state", State("rewrite")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
    }

    [Fact]
    public async Task S3ToGcs_MultipartSource_ArrivesWithTheStreamedCrc32c_AndResyncCopiesNothing()
    {
        var s3Bucket = await NewS3BucketAsync();
        var gcsBucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        var random = new Random(21);
        src.WriteRandom("multi.bin", (11L * 1024 * 1024) + 5, random);
        for (var i = 0; i < 20; i++)
        {
            src.WriteRandom($"small/{i}.bin", random.Next(1, 4000), random);
        }

        var seed = await Cli(["sync", src.Root, $"s3://{s3Bucket}/in", "--state", State("seed"), "--s3-multipart-threshold", "5MiB", "--s3-part-size", "5MiB"]);
        Assert.True(seed.ExitCode == 0, seed.ToString());
        Assert.EndsWith("-3\"", (await client.GetObjectMetadataAsync(s3Bucket, "in/multi.bin")).ETag);

        var result = await Cli(["sync", $"s3://{s3Bucket}/in", $"gs://{gcsBucket}/out", "--state", State("s3-gcs"), "--gcs-chunk-size", "1MiB"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var bytes = await File.ReadAllBytesAsync(src.PathOf("multi.bin"));
        var stored = await ObjectAsync(gcsBucket, "out/multi.bin");
        Assert.Equal(Crc32c.ToBase64BigEndian(Crc32c.Compute(bytes)), stored["crc32c"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(MD5.HashData(bytes)), stored["md5Hash"]!.GetValue<string>());

        var again = await Cli(["sync", $"s3://{s3Bucket}/in", $"gs://{gcsBucket}/out", "--state", State("s3-gcs"), "--gcs-chunk-size", "1MiB"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.DoesNotContain("GET", again.Stdout);
    }

    [Fact]
    public async Task GcsToS3_ArrivesWithAVerifiedETag_AndResyncCopiesNothing()
    {
        var gcsBucket = await gcs.CreateBucketAsync();
        var s3Bucket = await NewS3BucketAsync();
        using var src = new TempTree("src");
        var random = new Random(31);
        src.WriteRandom("large.bin", 3L * 1024 * 1024, random);
        for (var i = 0; i < 20; i++)
        {
            src.WriteRandom($"small/{i}.bin", random.Next(1, 4000), random);
        }

        Assert.Equal(0, (await Cli(["sync", src.Root, $"gs://{gcsBucket}/in", "--state", State("seed"), .. Resumable])).ExitCode);

        var result = await Cli(["sync", $"gs://{gcsBucket}/in", $"s3://{s3Bucket}/out", "--state", State("gcs-s3")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var bytes = await File.ReadAllBytesAsync(src.PathOf("large.bin"));
        var head = await client.GetObjectMetadataAsync(s3Bucket, "out/large.bin");
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(bytes))}\"", head.ETag);

        var again = await Cli(["sync", $"gs://{gcsBucket}/in", $"s3://{s3Bucket}/out", "--state", State("gcs-s3")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.DoesNotContain("GET", again.Stdout);
    }

    [Fact]
    public async Task Kill_DuringResumableUpload_RerunContinuesTheRecordedSessionWithoutResending()
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        src.WriteRandom("huge.bin", 24L * 256 * 1024, new Random(41));
        var state = State("crash");
        var chunksBefore = gcs.Gaps.ChunkPuts;
        var sessionsBefore = gcs.Gaps.SessionsStarted;
        var resentBefore = gcs.Gaps.ResentBytes;
        var receivedBefore = gcs.Gaps.ReceivedBytes;
        gcs.Gaps.ChunkDelay = TimeSpan.FromMilliseconds(150);
        CliResult killed;
        try
        {
            killed = await CliProcess.RunAsync(
                ["sync", src.Root, $"gs://{bucket}/c", "--state", state, .. Resumable],
                Env(),
                _ => gcs.Gaps.ChunkPuts - chunksBefore >= 6);
        }
        finally
        {
            gcs.Gaps.ChunkDelay = TimeSpan.Zero;
        }

        Assert.True(killed.Killed, killed.ToString());

        // The killed run's last chunk may still be going into the session (the layer delays each
        // one): what the rerun must not send again is what the session holds once that settles.
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (gcs.Gaps.ChunkRequestsInProgress > 0 && settle.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        var resumed = await Cli(["sync", src.Root, $"gs://{bucket}/c", "--state", state, "-v", .. Resumable]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resuming an earlier upload session", resumed.All);
        Assert.Equal(1, gcs.Gaps.SessionsStarted - sessionsBefore);
        Assert.Equal(0, gcs.Gaps.ResentBytes - resentBefore);
        Assert.True(gcs.Gaps.ReceivedBytes - receivedBefore <= 24L * 256 * 1024 + (256 * 1024), $"received {gcs.Gaps.ReceivedBytes - receivedBefore} bytes");
        var bytes = await File.ReadAllBytesAsync(src.PathOf("huge.bin"));
        var stored = await ObjectAsync(bucket, "c/huge.bin");
        Assert.Equal(Crc32c.ToBase64BigEndian(Crc32c.Compute(bytes)), stored["crc32c"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sync_PruneVersionsOlderThan_DeletesOldNoncurrentGenerationsOnly()
    {
        var bucket = await gcs.CreateBucketAsync(versioned: true);
        using var src = new TempTree("src");
        src.Write("a.txt", "v1"u8.ToArray());
        var first = await Cli(["sync", src.Root, $"gs://{bucket}", "--state", State("prune")]);
        Assert.True(first.ExitCode == 0, first.ToString());
        src.Write("a.txt", "v2-longer"u8.ToArray());
        var second = await Cli(["sync", src.Root, $"gs://{bucket}", "--state", State("prune"), "--prune-versions-older-than", "30d"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(1, gcs.Gaps.NoncurrentCount(bucket));

        await Task.Delay(1500);
        var third = await Cli(["sync", src.Root, $"gs://{bucket}", "--state", State("prune"), "--prune-versions-older-than", "1s"]);

        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("pruned 1 noncurrent versions", third.Stdout);
        Assert.Equal(0, gcs.Gaps.NoncurrentCount(bucket));
        using var http = new HttpClient();
        Assert.Equal("v2-longer", await http.GetStringAsync($"{gcs.Gaps.Endpoint}/storage/v1/b/{bucket}/o/a.txt?alt=media"));
    }

    [Fact]
    public async Task Sync_ServiceAccountFileInGoogleApplicationCredentials_AuthenticatesEveryRequest()
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        for (var i = 0; i < 5; i++)
        {
            src.Write($"f{i}.txt", System.Text.Encoding.UTF8.GetBytes($"file {i}"));
        }

        using var rsa = RSA.Create(2048);
        var keyFile = Path.Combine(work.Root, "service-account.json");
        await File.WriteAllTextAsync(keyFile, new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "heavysync-test",
            ["private_key_id"] = "test-key",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "sync@heavysync-test.iam.gserviceaccount.com",
            ["client_id"] = "1",
            ["token_uri"] = gcs.Gaps.TokenUri,
        }.ToJsonString());
        var anonymousBefore = gcs.Gaps.Authorizations.GetValueOrDefault(string.Empty);
        var bearer = "Bearer " + GcsEmulatorGaps.TestAccessToken;
        var bearerBefore = gcs.Gaps.Authorizations.GetValueOrDefault(bearer);
        var env = Env();
        env["GOOGLE_APPLICATION_CREDENTIALS"] = keyFile;

        var result = await CliProcess.RunAsync(["sync", src.Root, $"gs://{bucket}/sa", "--state", State("sa")], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(gcs.Gaps.TokenRequests >= 1, "no token was requested");
        Assert.True(gcs.Gaps.Authorizations.GetValueOrDefault(bearer) - bearerBefore >= 7, "the uploads did not carry the token");
        Assert.Equal(anonymousBefore, gcs.Gaps.Authorizations.GetValueOrDefault(string.Empty));
    }

    private static string MtimeOf(DateTime utc) => HeavySync.Storage.MtimeText.Format(new DateTimeOffset(utc));

    private async Task<JsonNode> ObjectAsync(string bucket, string name)
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync($"{gcs.Gaps.Endpoint}/storage/v1/b/{bucket}/o/{Uri.EscapeDataString(name)}"))!;
    }

    private async Task<string> NewS3BucketAsync()
    {
        var name = "hs-gcs-" + Guid.NewGuid().ToString("N")[..16];
        await client.PutBucketAsync(name);
        return name;
    }

    private string State(string name) => Path.Combine(work.Root, name + ".db");

    private Dictionary<string, string?> Env()
    {
        var access = s3.Credentials.GetCredentials();
        return new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_ENDPOINT_URL_S3"] = s3.Endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "no-credentials"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "no-config"),
            ["STORAGE_EMULATOR_HOST"] = gcs.Gaps.Endpoint,
            ["GOOGLE_APPLICATION_CREDENTIALS"] = null,
        };
    }

    private Task<CliResult> Cli(string[] args) => CliProcess.RunAsync(args, Env());

    public void Dispose() => work.Dispose();
}
