using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.Hashing;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;
using HeavySync.State;
using HeavySync.State.Sqlite;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>The real binary against radosgw: every direction, server-side copy, two users, multipart, crashes.</summary>
public sealed class S3SyncTests : IAsyncLifetime, IDisposable
{
    private readonly TempTree work = new("s3-sync");
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

    [Fact]
    public async Task LocalToS3ToLocal_RoundTripsBytesAndMtimes_AndResyncCopiesNothing()
    {
        var bucket = await NewBucketAsync();
        using var src = new TempTree("src");
        using var back = new TempTree("back");
        var random = new Random(5);
        for (var i = 0; i < 300; i++)
        {
            var content = new byte[random.Next(0, 5000)];
            random.NextBytes(content);
            src.Write($"dir {i % 5}/ünï+%#/{i}.bin", content, new DateTime(2022, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddSeconds(i).AddTicks(1234567));
        }

        src.WriteRandom("big/multipart.bin", (100L * 1024 * 1024) + 11, random, new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var multipart = new[] { "--s3-multipart-threshold", "5MiB", "--s3-part-size", "5MiB" };

        var up = await Cli(["sync", src.Root, $"s3://{bucket}/data", "--state", State("up"), .. multipart]);
        Assert.True(up.ExitCode == 0, up.ToString());
        var head = await client.GetObjectMetadataAsync(bucket, "data/big/multipart.bin");
        Assert.EndsWith("-21\"", head.ETag); // 20 parts of 5 MiB and the last 11 bytes, verified against the computed ETag

        // A local file's MD5 is unknown until it has been read, so the upload (whose metadata is fixed
        // at its start) carries none; the MD5 and CRC32C computed while streaming are in the ledger.
        Assert.Null(head.Metadata["md5chksum"]);
        var bigBytes = await File.ReadAllBytesAsync(src.PathOf("big/multipart.bin"));
        var ledger = await LedgerAsync(State("up"), "big/multipart.bin");
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bigBytes)), ledger.Md5);
        Assert.Equal(Crc32c.Compute(bigBytes), ledger.Crc32c);
        var small = await LedgerAsync(State("up"), "dir 0/ünï+%#/0.bin");
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(src.PathOf("dir 0/ünï+%#/0.bin")))), small.Md5);

        var down = await Cli(["sync", $"s3://{bucket}/data", back.Root, "--state", State("down")]);
        Assert.True(down.ExitCode == 0, down.ToString());
        src.AssertSameAs(back);

        var again = await Cli(["sync", src.Root, $"s3://{bucket}/data", "--state", State("up"), .. multipart]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.Equal(0, RequestCounts.Of(again.Stdout, "PUT"));

        var downAgain = await Cli(["sync", $"s3://{bucket}/data", back.Root, "--state", State("down")]);
        Assert.True(downAgain.ExitCode == 0, downAgain.ToString());
        Assert.Contains("copied 0 objects", downAgain.Stdout);
        Assert.Equal(0, RequestCounts.Of(downAgain.Stdout, "GET"));
    }

    [Fact]
    public async Task S3ToS3_SameEndpoint_CopiesServerSideWithoutReadingBodies()
    {
        var source = await NewBucketAsync();
        var destination = await NewBucketAsync();
        for (var i = 0; i < 50; i++)
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = source, Key = $"k/{i}", ContentBody = $"body {i}" });
        }

        var result = await Cli(["sync", $"s3://{source}/k", $"s3://{destination}/copy", "--state", State("ssc")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(50, RequestCounts.Of(result.Stdout, "COPY"));
        Assert.Equal(0, RequestCounts.Of(result.Stdout, "GET"));
        Assert.Equal(0, RequestCounts.Of(result.Stdout, "PUT"));
        var copied = await client.GetObjectAsync(destination, "copy/7");
        using var reader = new StreamReader(copied.ResponseStream);
        Assert.Equal("body 7", await reader.ReadToEndAsync());

        var again = await Cli(["sync", $"s3://{source}/k", $"s3://{destination}/copy", "--state", State("ssc")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
    }

    [Fact]
    public async Task S3ToS3_TwoUsersWithSeparateCredentials_StreamsAndVerifies()
    {
        var source = await NewBucketAsync();
        using var other = new AmazonS3Client(server.OtherCredentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = server.Endpoint, Region = "us-east-1" }));
        var destination = "hs-other-" + Guid.NewGuid().ToString("N")[..12];
        await other.PutBucketAsync(destination);
        var random = new Random(9);
        var bodies = new Dictionary<string, byte[]>();
        for (var i = 0; i < 20; i++)
        {
            var body = new byte[random.Next(1, 20_000)];
            random.NextBytes(body);
            bodies[$"obj-{i}"] = body;
            await client.PutObjectAsync(new PutObjectRequest { BucketName = source, Key = $"obj-{i}", InputStream = new MemoryStream(body) });
        }

        var credentials = Path.Combine(work.Root, "credentials");
        var access = await server.Credentials.GetCredentialsAsync();
        var otherAccess = await server.OtherCredentials.GetCredentialsAsync();
        await File.WriteAllTextAsync(credentials,
            $"[first]\naws_access_key_id = {access.AccessKey}\naws_secret_access_key = {access.SecretKey}\n" +
            $"[second]\naws_access_key_id = {otherAccess.AccessKey}\naws_secret_access_key = {otherAccess.SecretKey}\n");
        var env = new Dictionary<string, string?>
        {
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "no-config"),
            ["AWS_ACCESS_KEY_ID"] = string.Empty,
            ["AWS_SECRET_ACCESS_KEY"] = string.Empty,
            ["AWS_ENDPOINT_URL_S3"] = string.Empty,
        };

        var result = await CliProcess.RunAsync(
            ["sync", $"s3://{source}", $"s3://{destination}", "--state", State("two-users"),
             "--src-endpoint", server.Endpoint, "--dst-endpoint", server.Endpoint,
             "--src-profile", "first", "--dst-profile", "second", "--src-region", "us-east-1", "--dst-region", "us-east-1"],
            env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(20, RequestCounts.Of(result.Stdout, "GET"));
        Assert.Equal(0, RequestCounts.Of(result.Stdout, "COPY"));
        foreach (var (key, body) in bodies)
        {
            using var response = await other.GetObjectAsync(destination, key);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            Assert.Equal(body, buffer.ToArray());
        }
    }

    [Fact]
    public async Task Kill_MidMultipartUpload_RerunLeavesNoOrphanedUpload()
    {
        var bucket = await NewBucketAsync();
        using var src = new TempTree("src");
        src.WriteRandom("huge.bin", 400L * 1024 * 1024, new Random(3));
        src.Write("small.txt", "s"u8.ToArray());
        var state = State("kill-mpu");
        var args = new[] { "sync", src.Root, $"s3://{bucket}/up", "--state", state, "--s3-multipart-threshold", "5MiB", "--s3-part-size", "5MiB" };

        var killed = await CliProcess.RunAsync(args, S3Env(), _ => HasUpload(bucket));

        Assert.True(killed.Killed, killed.ToString());
        Assert.True(HasUpload(bucket), "no multipart upload was in flight at the kill");

        var rerun = await Cli(args);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.False(HasUpload(bucket), "an orphaned multipart upload was left behind");
        var head = await client.GetObjectMetadataAsync(bucket, "up/huge.bin");
        Assert.Equal(400L * 1024 * 1024, head.ContentLength);
        using var sha = SHA256.Create();
        using var response = await client.GetObjectAsync(bucket, "up/huge.bin");
        var remote = await SHA256.HashDataAsync(response.ResponseStream);
        await using var local = File.OpenRead(src.PathOf("huge.bin"));
        Assert.Equal(await SHA256.HashDataAsync(local), remote);
    }

    [Fact]
    public async Task Sync_KeyThatWouldEscapeLocalDestination_RefusedWithClearError()
    {
        var bucket = await NewBucketAsync();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "ok.txt", ContentBody = "fine" });
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "../escape.txt", ContentBody = "evil" });
        using var dst = new TempTree("dst");
        var target = Path.Combine(dst.Root, "inner");

        var result = await Cli(["sync", $"s3://{bucket}", target, "--state", State("escape")]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("unsafe key", result.All);
        Assert.False(File.Exists(Path.Combine(dst.Root, "escape.txt")));
        Assert.True(File.Exists(Path.Combine(target, "ok.txt")));
    }

    [Fact]
    public async Task Sync_MissingBucketOrBadCredentials_FatalOneLine()
    {
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());

        var missing = await Cli(["sync", src.Root, "s3://hs-no-such-bucket-here/x", "--state", State("missing")]);
        var badEnv = S3Env();
        badEnv["AWS_SECRET_ACCESS_KEY"] = "not-the-secret";
        var bucket = await NewBucketAsync();
        var bad = await CliProcess.RunAsync(["sync", src.Root, $"s3://{bucket}/x", "--state", State("bad")], badEnv);

        Assert.True(missing.ExitCode == 4, missing.ToString());
        Assert.Contains("does not exist", missing.Stderr);
        Assert.True(bad.ExitCode == 4, bad.ToString());
        Assert.Contains("SignatureDoesNotMatch", bad.Stderr);
        Assert.DoesNotContain("not-the-secret", bad.All);
        Assert.DoesNotContain("   at ", missing.All + bad.All);
    }

    [Fact]
    public async Task Sync_ManyDestinationOnlyObjects_DeletedInBatchesOfAThousand()
    {
        var bucket = await NewBucketAsync();
        using var src = new TempTree("src");
        src.Write("keep.txt", "keep"u8.ToArray());
        await Parallel.ForEachAsync(Enumerable.Range(0, 2_500), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"d/stale-{i:D4}", ContentBody = "x" }, ct));

        var result = await Cli(["sync", src.Root, $"s3://{bucket}/d", "--state", State("batch-delete"), "--max-delete", "100%"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("deleted 2500 objects", result.Stdout);
        Assert.Equal(3, RequestCounts.Of(result.Stdout, "DELETE"));
        var left = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "d/" });
        Assert.Equal(["d/keep.txt"], (left.S3Objects ?? []).Select(o => o.Key));
    }

    [Fact]
    public async Task Sync_PruneVersionsOlderThan_RemovesOldNoncurrentVersionsOnly()
    {
        var bucket = await NewBucketAsync();
        await client.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket,
            VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        using var src = new TempTree("src");
        src.Write("a.txt", "v1"u8.ToArray());
        var first = await Cli(["sync", src.Root, $"s3://{bucket}", "--state", State("prune")]);
        Assert.True(first.ExitCode == 0, first.ToString());
        src.Write("a.txt", "v2-longer"u8.ToArray());
        var second = await Cli(["sync", src.Root, $"s3://{bucket}", "--state", State("prune"), "--prune-versions-older-than", "30d"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(2, (await client.ListVersionsAsync(bucket)).Versions.Count);

        await Task.Delay(1500);
        var third = await Cli(["sync", src.Root, $"s3://{bucket}", "--state", State("prune"), "--prune-versions-older-than", "1s"]);

        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("pruned 1 noncurrent versions", third.Stdout);
        var version = Assert.Single((await client.ListVersionsAsync(bucket)).Versions);
        Assert.True(version.IsLatest);
    }

    /// <summary>The ledger row of <paramref name="key"/> in the (only) job of a state file.</summary>
    private static async Task<LedgerEntry> LedgerAsync(string statePath, string key)
    {
        await using var state = await SqliteStateStore.OpenAsync(statePath, CancellationToken.None);
        var job = Assert.Single(await state.ListJobsAsync(CancellationToken.None));
        return await state.GetLedgerAsync(job.Id, key, CancellationToken.None) ?? throw new InvalidOperationException($"no ledger row for {key}");
    }

    private bool HasUpload(string bucket) =>
        client.ListMultipartUploadsAsync(bucket).GetAwaiter().GetResult().MultipartUploads?.Count > 0;

    private async Task<string> NewBucketAsync()
    {
        var name = "hs-e2e-" + Guid.NewGuid().ToString("N")[..16];
        await client.PutBucketAsync(name);
        return name;
    }

    private string State(string name) => Path.Combine(work.Root, name + ".db");

    private Dictionary<string, string?> S3Env()
    {
        var access = server.Credentials.GetCredentials();
        return new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_ENDPOINT_URL_S3"] = server.Endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "no-credentials"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "no-config"),
        };
    }

    private Task<CliResult> Cli(string[] args) => CliProcess.RunAsync(args, S3Env());

    public void Dispose() => work.Dispose();
}
