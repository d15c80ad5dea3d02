using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.Faults;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>The real binary syncing through <see cref="FaultInjectingProxy"/>: 503 SlowDown, 500s, resets, truncated bodies, slow answers.</summary>
public sealed class S3FaultSyncTests : IDisposable
{
    private readonly TempTree work = new("s3-faults");

    [Fact]
    public async Task Sync_FiveThousandObjectsWithFivePercentFaults_EveryObjectCorrect()
    {
        var server = await RadosgwServer.GetAsync();
        using var client = new AmazonS3Client(server.Credentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = server.Endpoint, Region = "us-east-1" }));
        var bucket = "hs-faults-" + Guid.NewGuid().ToString("N")[..12];
        await client.PutBucketAsync(bucket);
        using var src = new TempTree("src");
        var random = new Random(77);
        var md5s = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 5_000; i++)
        {
            var body = new byte[random.Next(1, 8192)];
            random.NextBytes(body);
            var key = $"f{i % 40}/{i:D5}.bin";
            src.Write(key, body);
            md5s[key] = Convert.ToHexStringLower(MD5.HashData(body));
        }

        await using var proxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.Uniform(0.05, 2026) with { SlowResponseDelay = TimeSpan.FromMilliseconds(200) });
        var access = await server.Credentials.GetCredentialsAsync();
        var env = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "none"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "none"),
        };

        var result = await CliProcess.RunAsync(
            ["sync", src.Root, $"s3://{bucket}/data", "--state", Path.Combine(work.Root, "s.db"), "--dst-endpoint", proxy.Endpoint],
            env,
            TimeSpan.FromMinutes(8));

        Assert.True(result.ExitCode == 0, result.ToString() + "\n" + proxy.Describe());
        Assert.True(proxy.TotalInjected > 100, proxy.Describe());

        // Check every object directly against radosgw, not through the proxy.
        var seen = 0;
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = "data/" };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request);
            foreach (var obj in page.S3Objects ?? [])
            {
                var key = obj.Key["data/".Length..];
                Assert.True(md5s.TryGetValue(key, out var md5), $"unexpected object {key}");
                Assert.Equal(md5, obj.ETag.Trim('"'));
                seen++;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        Assert.Equal(5_000, seen);
    }

    [Fact]
    public async Task Sync_S3ToLocalWithFivePercentFaults_EveryFileCorrect()
    {
        var server = await RadosgwServer.GetAsync();
        using var client = new AmazonS3Client(server.Credentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = server.Endpoint, Region = "us-east-1" }));
        var bucket = "hs-faults-down-" + Guid.NewGuid().ToString("N")[..12];
        await client.PutBucketAsync(bucket);
        var random = new Random(78);
        var bodies = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < 1_500; i++)
        {
            var body = new byte[random.Next(1, 8192)];
            random.NextBytes(body);
            bodies[$"d{i % 30}/{i:D5}.bin"] = body;
        }

        for (var i = 0; i < 3; i++)
        {
            var body = new byte[(6 * 1024 * 1024) + i]; // long bodies: cut, reset and stalled mid-way, then resumed
            random.NextBytes(body);
            bodies[$"big/{i}.bin"] = body;
        }

        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "data/" + item.Key, InputStream = new MemoryStream(item.Value) }, ct));

        using var dst = new TempTree("dst");
        await using var proxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.Uniform(0.05, 2027) with { SlowResponseDelay = TimeSpan.FromMilliseconds(200) });
        var access = await server.Credentials.GetCredentialsAsync();
        var env = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "none"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "none"),
        };

        var result = await CliProcess.RunAsync(
            ["sync", $"s3://{bucket}/data", dst.Root, "--state", Path.Combine(work.Root, "down.db"), "--src-endpoint", proxy.Endpoint],
            env,
            TimeSpan.FromMinutes(8));

        Assert.True(result.ExitCode == 0, result.ToString() + "\n" + proxy.Describe());
        Assert.True(proxy.TotalInjected > 30, proxy.Describe());
        Assert.Contains(proxy.Seen, r => r.Method == "GET" && r.Fault is FaultKind.ResetMidResponse or FaultKind.TruncatedBody);
        Assert.Equal(bodies.Count, Directory.EnumerateFiles(dst.Root, "*", SearchOption.AllDirectories).Count());
        foreach (var (key, body) in bodies)
        {
            var local = await File.ReadAllBytesAsync(dst.PathOf(key));
            Assert.True(body.AsSpan().SequenceEqual(local), $"{key} differs");
        }
    }

    public void Dispose() => work.Dispose();
}
