using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.S3;
using HeavySync.Aws.S3;
using HeavySync.Hashing;
using HeavySync.IntegrationTests.Faults;
using HeavySync.IntegrationTests.Gcs;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>The real binary against Google's storage emulator (behind the test-only gaps layer) and
/// radosgw: S3 multipart ⇄ GCS resumable, composite sources verified by crc32c (and a corrupted one
/// caught), credentials from a metadata server, refused credentials, and a sync through 429s, 5xx,
/// timeouts and resets.</summary>
public sealed partial class GcsSyncGapsTests : IClassFixture<GcsFixture>, IAsyncLifetime, IDisposable
{
    private readonly TempTree work = new("gcs-gaps");
    private readonly GcsFixture gcs;
    private RadosgwServer s3 = null!;
    private AmazonS3Client client = null!;

    public GcsSyncGapsTests(GcsFixture gcs) => this.gcs = gcs;

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
    public async Task S3MultipartToGcsResumable_ArrivesVerifiedByCrc32c_AndResyncCopiesNothing()
    {
        var s3Bucket = await NewS3BucketAsync();
        var gcsBucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        src.WriteRandom("multi.bin", (11L * 1024 * 1024) + 5, new Random(51));
        Assert.Equal(0, (await Cli(["sync", src.Root, $"s3://{s3Bucket}/in", "--state", State("seed"), "--s3-multipart-threshold", "5MiB", "--s3-part-size", "5MiB"])).ExitCode);
        Assert.EndsWith("-3\"", (await client.GetObjectMetadataAsync(s3Bucket, "in/multi.bin")).ETag);
        var chunksBefore = gcs.Gaps.ChunkPuts;
        var hashedBefore = gcs.Gaps.HashedLastChunks;
        string[] gcsOptions = ["--gcs-resumable-threshold", "1MiB", "--gcs-chunk-size", "1MiB"];

        var result = await Cli(["sync", $"s3://{s3Bucket}/in", $"gs://{gcsBucket}/out", "--state", State("s3-gcs"), .. gcsOptions]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(12, gcs.Gaps.ChunkPuts - chunksBefore);
        Assert.Equal(1, gcs.Gaps.HashedLastChunks - hashedBefore);
        var bytes = await File.ReadAllBytesAsync(src.PathOf("multi.bin"));
        var stored = await ObjectAsync(gcsBucket, "out/multi.bin");
        Assert.Equal(Crc32c.ToBase64BigEndian(Crc32c.Compute(bytes)), stored["crc32c"]!.GetValue<string>());

        var again = await Cli(["sync", $"s3://{s3Bucket}/in", $"gs://{gcsBucket}/out", "--state", State("s3-gcs"), .. gcsOptions]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.DoesNotContain("GET", again.Stdout);
    }

    [Fact]
    public async Task S3SourceStatingItsMd5_ToGcsResumable_TheServerChecksTheMd5_AWrongOneIsRefusedAndNotStored()
    {
        var s3Bucket = await NewS3BucketAsync();
        var gcsBucket = await gcs.CreateBucketAsync();
        var good = TestData.Bytes((3 * 1024 * 1024) + 11, seed: 55);
        var bad = TestData.Bytes((3 * 1024 * 1024) + 13, seed: 56);

        // A single-part object states its MD5 in its ETag; a multipart one in its md5chksum metadata,
        // here a wrong one (stale, or written by a faulty tool).
        await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = s3Bucket, Key = "in/good.bin", InputStream = new MemoryStream(good) });
        await PutMultipartAsync(s3Bucket, "in/bad.bin", bad, md5chksum: Convert.ToBase64String(MD5.HashData(good)));
        var hashedBefore = gcs.Gaps.HashedLastChunks;
        var refusedBefore = gcs.Gaps.RefusedUploads;

        var result = await Cli(["sync", $"s3://{s3Bucket}/in", $"gs://{gcsBucket}/out", "--state", State("stated"), "--gcs-resumable-threshold", "1MiB", "--gcs-chunk-size", "1MiB"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("failed 1", result.Stdout);
        var stored = await ObjectAsync(gcsBucket, "out/good.bin");
        Assert.Equal(Convert.ToBase64String(MD5.HashData(good)), stored["md5Hash"]!.GetValue<string>());
        Assert.Equal(Crc32c.ToBase64BigEndian(Crc32c.Compute(good)), stored["crc32c"]!.GetValue<string>());

        // The copier did not hash MD5 itself: the wrong one reached the server, which refused the
        // upload's last chunk (at each attempt), and nothing was stored.
        Assert.True(gcs.Gaps.RefusedUploads - refusedBefore >= 1, $"refused {gcs.Gaps.RefusedUploads - refusedBefore}");
        Assert.True(gcs.Gaps.HashedLastChunks - hashedBefore >= 2);
        using var http = new HttpClient();
        using var missing = await http.GetAsync($"{gcs.Gaps.Endpoint}/storage/v1/b/{gcsBucket}/o/{Uri.EscapeDataString("out/bad.bin")}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task GcsToS3Multipart_ArrivesWithTheMultipartETag_AndResyncCopiesNothing()
    {
        var gcsBucket = await gcs.CreateBucketAsync();
        var s3Bucket = await NewS3BucketAsync();
        using var src = new TempTree("src");
        src.WriteRandom("big.bin", (11L * 1024 * 1024) + 7, new Random(52));
        Assert.Equal(0, (await Cli(["sync", src.Root, $"gs://{gcsBucket}/in", "--state", State("seed")])).ExitCode);
        string[] s3Options = ["--s3-multipart-threshold", "5MiB", "--s3-part-size", "5MiB"];

        var result = await Cli(["sync", $"gs://{gcsBucket}/in", $"s3://{s3Bucket}/out", "--state", State("gcs-s3"), .. s3Options]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var bytes = await File.ReadAllBytesAsync(src.PathOf("big.bin"));
        Assert.Equal($"\"{MultipartETag.ComputeForContent(new MemoryStream(bytes), 5L * 1024 * 1024)}\"", (await client.GetObjectMetadataAsync(s3Bucket, "out/big.bin")).ETag);

        var again = await Cli(["sync", $"gs://{gcsBucket}/in", $"s3://{s3Bucket}/out", "--state", State("gcs-s3"), .. s3Options]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.DoesNotContain("GET", again.Stdout);
    }

    [Fact]
    public async Task CompositeGcsSource_ToLocalAndS3_VerifiedByCrc32c_AndResyncCopiesNothing()
    {
        var gcsBucket = await gcs.CreateBucketAsync();
        gcs.Gaps.ServeAsComposite(gcsBucket);
        var s3Bucket = await NewS3BucketAsync();
        using var src = new TempTree("src");
        using var back = new TempTree("back");
        var random = new Random(53);
        src.WriteRandom("composite/large.bin", 700 * 1024, random);
        for (var i = 0; i < 8; i++)
        {
            src.WriteRandom($"composite/{i}.bin", random.Next(1, 3000), random);
        }

        Assert.Equal(0, (await Cli(["sync", src.Root, $"gs://{gcsBucket}/c", "--state", State("seed"), "--gcs-resumable-threshold", "256KiB", "--gcs-chunk-size", "256KiB"])).ExitCode);
        var stored = await ObjectAsync(gcsBucket, "c/composite/large.bin");
        Assert.Null(stored["md5Hash"]);

        var down = await Cli(["sync", $"gs://{gcsBucket}/c", back.Root, "--state", State("down")]);
        var across = await Cli(["sync", $"gs://{gcsBucket}/c", $"s3://{s3Bucket}/c", "--state", State("across")]);

        Assert.True(down.ExitCode == 0, down.ToString());
        src.AssertSameAs(back);
        Assert.True(across.ExitCode == 0, across.ToString());
        var large = await File.ReadAllBytesAsync(src.PathOf("composite/large.bin"));
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(large))}\"", (await client.GetObjectMetadataAsync(s3Bucket, "c/composite/large.bin")).ETag);
        var again = await Cli(["sync", $"gs://{gcsBucket}/c", $"s3://{s3Bucket}/c", "--state", State("across")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
    }

    [Fact]
    public async Task CompositeGcsSource_CorruptedDownload_IsCaughtByCrc32cAndNotStored()
    {
        var gcsBucket = await gcs.CreateBucketAsync();
        gcs.Gaps.ServeAsComposite(gcsBucket);
        using var src = new TempTree("src");
        using var back = new TempTree("back");
        src.Write("good.txt", "fine"u8.ToArray());
        src.Write("bad.bin", TestData.Bytes(5000, seed: 54));
        Assert.Equal(0, (await Cli(["sync", src.Root, $"gs://{gcsBucket}/x", "--state", State("seed")])).ExitCode);
        gcs.Gaps.CorruptDownloadsOf(gcsBucket, "x/bad.bin");

        var result = await Cli(["sync", $"gs://{gcsBucket}/x", back.Root, "--state", State("down")]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("failed 1", result.Stdout);
        Assert.Contains("CRC32C", result.All);
        Assert.False(File.Exists(back.PathOf("bad.bin")), "a corrupted copy was stored");
        Assert.Equal("fine", await File.ReadAllTextAsync(back.PathOf("good.txt")));
    }

    [Fact]
    public async Task Sync_FaultsOnAFewHundredObjects_EveryObjectArrivesVerifiedAndThe429sAreCounted()
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        using var back = new TempTree("back");
        var random = new Random(55);
        for (var i = 0; i < 300; i++)
        {
            src.WriteRandom($"f{i % 12}/{i:D3}.bin", random.Next(1, 6000), random);
        }

        for (var i = 0; i < 4; i++)
        {
            src.WriteRandom($"large/{i}.bin", (3 * 256 * 1024) + random.Next(1, 9000), random);
        }

        var rates = new Dictionary<FaultKind, double>
        {
            [FaultKind.TooManyRequests] = 0.03,
            [FaultKind.SlowDown] = 0.02,
            [FaultKind.InternalError] = 0.01,
            [FaultKind.RequestTimeout] = 0.01,
            [FaultKind.ResetBeforeResponse] = 0.01,
            [FaultKind.ResetMidResponse] = 0.01,
            [FaultKind.TruncatedBody] = 0.01,
            [FaultKind.SlowResponse] = 0.01,
        };
        await using var proxy = FaultInjectingProxy.Start(gcs.Gaps.Endpoint, new FaultOptions { Seed = 2027, Rates = rates, SlowResponseDelay = TimeSpan.FromMilliseconds(100) });
        string[] resumable = ["--gcs-resumable-threshold", "256KiB", "--gcs-chunk-size", "256KiB"];

        var throttledBefore = proxy.Injected(FaultKind.TooManyRequests);
        var up = await Cli(["sync", src.Root, $"gs://{bucket}/f", "--state", State("up"), "--dst-endpoint", proxy.Endpoint, .. resumable]);
        var throttledUp = proxy.Injected(FaultKind.TooManyRequests) - throttledBefore;
        var down = await Cli(["sync", $"gs://{bucket}/f", back.Root, "--state", State("down"), "--src-endpoint", proxy.Endpoint]);

        Assert.True(up.ExitCode == 0, up.ToString() + "\n" + proxy.Describe());
        Assert.True(down.ExitCode == 0, down.ToString() + "\n" + proxy.Describe());
        Assert.True(throttledUp > 0, proxy.Describe());
        Assert.Equal(throttledUp, Throttled(up.Stdout));
        Assert.True(proxy.Injected(FaultKind.ResetBeforeResponse) + proxy.Injected(FaultKind.ResetMidResponse) > 0, proxy.Describe());
        src.AssertSameAs(back, compareMtimes: false);

        // Every object checked against what the emulator holds, past the proxy.
        foreach (var key in src.Keys())
        {
            var stored = await ObjectAsync(bucket, "f/" + key);
            Assert.Equal(Convert.ToBase64String(MD5.HashData(await File.ReadAllBytesAsync(src.PathOf(key)))), stored["md5Hash"]!.GetValue<string>());
        }
    }

    /// <summary>The "(N throttled)" of the summary's request line.</summary>
    private static long Throttled(string stdout) =>
        ThrottledPattern().Match(stdout) is { Success: true } match ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"\((\d+) throttled\)")]
    private static partial Regex ThrottledPattern();

    private async Task<JsonNode> ObjectAsync(string bucket, string name)
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync($"{gcs.Gaps.Endpoint}/storage/v1/b/{bucket}/o/{Uri.EscapeDataString(name)}"))!;
    }

    /// <summary>Uploads <paramref name="content"/> as a one-part multipart upload carrying the given
    /// md5chksum metadata (base64), as rclone and HeavySync store on multipart objects.</summary>
    private async Task PutMultipartAsync(string bucket, string key, byte[] content, string md5chksum)
    {
        var start = new Amazon.S3.Model.InitiateMultipartUploadRequest { BucketName = bucket, Key = key };
        start.Metadata.Add(S3Metadata.Md5, md5chksum);
        var upload = await client.InitiateMultipartUploadAsync(start);
        var part = await client.UploadPartAsync(new Amazon.S3.Model.UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = upload.UploadId,
            PartNumber = 1,
            InputStream = new MemoryStream(content),
        });
        await client.CompleteMultipartUploadAsync(new Amazon.S3.Model.CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = upload.UploadId,
            PartETags = [new Amazon.S3.Model.PartETag(1, part.ETag)],
        });
    }

    private async Task<string> NewS3BucketAsync()
    {
        var name = "hs-gcsg-" + Guid.NewGuid().ToString("N")[..16];
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
            ["GCE_METADATA_HOST"] = null,
        };
    }

    private Task<CliResult> Cli(string[] args, Dictionary<string, string?>? env = null) => CliProcess.RunAsync(args, env ?? Env());

    public void Dispose() => work.Dispose();
}
