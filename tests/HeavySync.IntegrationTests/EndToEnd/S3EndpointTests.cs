using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.Faults;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;
using HeavySync.State.Sqlite;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>
/// The real binary with two S3 endpoints in one sync, and the per-side S3 settings (endpoint,
/// region, profile, path style) given through the environment and the config file. Each side goes
/// through its own <see cref="FaultInjectingProxy"/> (no faults: a different endpoint URL in front
/// of the same radosgw) that records what reached the wire: the SigV4 credential scope names the
/// access key and region each request was signed with, the target shows the addressing style.
/// </summary>
public sealed class S3EndpointTests : IAsyncLifetime, IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempTree work = new("s3-endpoints");
    private RadosgwServer server = null!;
    private AmazonS3Client first = null!;
    private AmazonS3Client second = null!;
    private string firstKey = null!;
    private string secondKey = null!;

    public async Task InitializeAsync()
    {
        server = await RadosgwServer.GetAsync();
        var config = S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = server.Endpoint, Region = "us-east-1" });
        first = new AmazonS3Client(server.Credentials, config);
        second = new AmazonS3Client(server.OtherCredentials, config);
        firstKey = (await server.Credentials.GetCredentialsAsync()).AccessKey;
        secondKey = (await server.OtherCredentials.GetCredentialsAsync()).AccessKey;
    }

    public Task DisposeAsync()
    {
        first.Dispose();
        second.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task S3ToS3_SourceThroughAnotherEndpoint_StreamsAndVerifiesWithoutServerSideCopy()
    {
        var source = await NewBucketAsync(first, "src");
        var destination = await NewBucketAsync(first, "dst");
        var bodies = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var random = new Random(8);
        for (var i = 0; i < 30; i++)
        {
            bodies[$"k/{i:D2}.bin"] = RandomBytes(random, random.Next(1, 20_000));
        }

        bodies["k/big.bin"] = RandomBytes(random, (int)(12 * MiB) + 7); // one PUT at the source: its ETag is its MD5
        foreach (var (key, body) in bodies)
        {
            await first.PutObjectAsync(new PutObjectRequest { BucketName = source, Key = key, InputStream = new MemoryStream(body) });
        }

        await using var proxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);
        var env = await KeysEnvAsync();
        string[] args =
        [
            "sync", $"s3://{source}/k", $"s3://{destination}/k", "--state", State("two-endpoints"),
            "--src-endpoint", proxy.Endpoint, "--dst-endpoint", server.Endpoint,
            "--s3-multipart-threshold", "5MiB", "--s3-part-size", "5MiB",
        ];

        var result = await CliProcess.RunAsync(args, env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(31, RequestCounts.Of(result.Stdout, "GET"));
        // No HEAD per object: each GET answer describes its object. One bucket probe per side, one
        // HEAD verifying the completed multipart upload.
        Assert.Equal(2 + 1, RequestCounts.Of(result.Stdout, "HEAD"));
        Assert.Equal(30 + 1 + 3 + 1, RequestCounts.Of(result.Stdout, "PUT")); // 30 PUTs; create, 3 parts, complete
        Assert.Equal(0, RequestCounts.Of(result.Stdout, "COPY"));
        Assert.Equal(31, proxy.Seen.Count(r => r.Method == "GET" && r.Target.StartsWith($"/{source}/k/", StringComparison.Ordinal)));
        Assert.DoesNotContain(proxy.Seen, r => r.Method is "PUT" or "POST" || r.Target.Contains(destination, StringComparison.Ordinal));

        foreach (var (key, body) in bodies)
        {
            var md5 = Convert.ToHexStringLower(MD5.HashData(body));
            var head = await first.GetObjectMetadataAsync(destination, key);
            Assert.Equal(body.Length, head.ContentLength);
            if (key == "k/big.bin")
            {
                // Streamed in 3 parts; the source vouched for the MD5, verified while streaming.
                Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal);
                Assert.Equal(Convert.ToBase64String(MD5.HashData(body)), head.Metadata["md5chksum"]);
                using var response = await first.GetObjectAsync(destination, key);
                Assert.Equal(md5, Convert.ToHexStringLower(await MD5.HashDataAsync(response.ResponseStream)));
            }
            else
            {
                Assert.Equal($"\"{md5}\"", head.ETag);
            }
        }

        await using (var state = await SqliteStateStore.OpenAsync(State("two-endpoints"), CancellationToken.None))
        {
            var job = Assert.Single(await state.ListJobsAsync(CancellationToken.None));
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bodies["k/big.bin"])), (await state.GetLedgerAsync(job.Id, "big.bin", CancellationToken.None))?.Md5);
        }

        var again = await CliProcess.RunAsync(args, env);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("copied 0 objects", again.Stdout);
        Assert.Equal(0, RequestCounts.Of(again.Stdout, "GET"));
    }

    [Fact]
    public async Task Sync_S3SettingsFromTheEnvironment_EachSideSignsWithItsRegionAndProfile()
    {
        var (source, destination) = await TwoUsersBucketsAsync();
        await using var sourceProxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);
        await using var destinationProxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);
        var env = ProfilesEnv();
        env["HEAVYSYNC_SRC_ENDPOINT"] = sourceProxy.Endpoint;
        env["HEAVYSYNC_SRC_REGION"] = "us-west-2";
        env["HEAVYSYNC_SRC_PROFILE"] = "first";
        env["HEAVYSYNC_DST_ENDPOINT"] = destinationProxy.Endpoint;
        env["HEAVYSYNC_DST_REGION"] = "eu-west-3";
        env["HEAVYSYNC_DST_PROFILE"] = "second";

        var result = await CliProcess.RunAsync(["sync", $"s3://{source}", $"s3://{destination}", "--state", State("env")], env);

        await AssertSyncedThroughAsync(result, source, destination, sourceProxy, ("us-west-2", firstKey), destinationProxy, ("eu-west-3", secondKey));
    }

    [Fact]
    public async Task Sync_S3SettingsFromTheConfigFile_EachSideSignsWithItsRegionAndProfile()
    {
        var (source, destination) = await TwoUsersBucketsAsync();
        await using var sourceProxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);
        await using var destinationProxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);
        var config = Path.Combine(work.Root, "config.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "src_endpoint": "{{sourceProxy.Endpoint}}", "src_region": "ap-south-1", "src_profile": "first", "src_path_style": true,
              "dst_endpoint": "{{destinationProxy.Endpoint}}", "dst_region": "sa-east-1", "dst_profile": "second", "dst_path_style": true
            }
            """);
        var env = ProfilesEnv();
        env["HEAVYSYNC_CONFIG"] = config;

        var result = await CliProcess.RunAsync(["sync", $"s3://{source}", $"s3://{destination}", "--state", State("config")], env);

        await AssertSyncedThroughAsync(result, source, destination, sourceProxy, ("ap-south-1", firstKey), destinationProxy, ("sa-east-1", secondKey));
    }

    [Theory]
    [InlineData("environment")]
    [InlineData("config file")]
    [InlineData("flag")]
    public async Task Sync_DestinationPathStyleFalse_FromEachSurface_AddressesTheBucketAsAHostName(string surface)
    {
        var bucket = await NewBucketAsync(first, "vh");
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        await using var proxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);

        // "localhost", not an IP address: with an IP the SDK always addresses by path. Virtual-hosted
        // addressing needs "BUCKET.localhost", which this machine does not resolve; the proxy
        // doubles as the HTTP proxy of the environment (the S3 client honours it), so the request
        // reaches it in absolute form and shows the host it was addressed to. Plain "localhost" is
        // loopback, which never goes through an HTTP proxy.
        var endpoint = proxy.Endpoint.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var env = await KeysEnvAsync();
        env["HEAVYSYNC_DST_ENDPOINT"] = endpoint;
        foreach (var name in new[] { "http_proxy", "HTTP_PROXY" })
        {
            env[name] = proxy.Endpoint;
        }

        foreach (var name in new[] { "no_proxy", "NO_PROXY" })
        {
            env[name] = string.Empty;
        }

        string[] args = ["sync", src.Root, $"s3://{bucket}/x", "--state", State("vh-" + surface.Replace(' ', '-'))];
        switch (surface)
        {
            case "environment":
                env["HEAVYSYNC_DST_PATH_STYLE"] = "false";
                break;
            case "config file":
                var config = Path.Combine(work.Root, "vh.json");
                await File.WriteAllTextAsync(config, """{ "dst_path_style": false }""");
                args = [.. args, "--config", config];
                break;
            default:
                args = [.. args, "--dst-path-style", "false"];
                break;
        }

        var virtualHosted = await CliProcess.RunAsync(args, env);
        var seenByFirstRun = proxy.Seen.Count;
        env.Remove("HEAVYSYNC_DST_PATH_STYLE");
        var pathStyle = await CliProcess.RunAsync(["sync", src.Root, $"s3://{bucket}/x", "--state", State("ps-" + surface.Replace(' ', '-'))], env);
        var seen = proxy.Seen;
        var describe = $"{virtualHosted}\n{pathStyle}\n" + string.Join("\n", seen.Select(r => $"{r.Method} {r.Host} {r.Target}"));

        // With the setting: the bucket is in the host name, never in the path.
        var withSetting = seen.Take(seenByFirstRun).Select(r => Addressed(r, endpoint)).ToList();
        Assert.True(withSetting.Count > 0, describe);
        Assert.All(withSetting, a =>
        {
            Assert.Equal($"{bucket}.localhost", a.Host);
            Assert.DoesNotContain(bucket, a.Path, StringComparison.Ordinal);
        });

        // Without it (path style is the default with an endpoint): the bucket is the first path segment.
        var control = seen.Skip(seenByFirstRun).Select(r => Addressed(r, endpoint)).ToList();
        Assert.True(control.Count > 0, describe);
        Assert.All(control, a =>
        {
            Assert.Equal("localhost", a.Host);
            Assert.StartsWith($"/{bucket}", a.Path, StringComparison.Ordinal);
        });
    }

    /// <summary>The host and path a request was addressed to, whether it came in absolute form (through the proxy setting) or not.</summary>
    private static (string Host, string Path) Addressed(SeenRequest request, string endpoint)
    {
        var url = Uri.TryCreate(request.Target, UriKind.Absolute, out var absolute) ? absolute : new Uri(new Uri(endpoint), request.Target);
        return (url.Host, url.AbsolutePath);
    }

    public void Dispose() => work.Dispose();

    private async Task AssertSyncedThroughAsync(
        CliResult result,
        string source,
        string destination,
        FaultInjectingProxy sourceProxy,
        (string Region, string Key) sourceSigner,
        FaultInjectingProxy destinationProxy,
        (string Region, string Key) destinationSigner)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("copied 3 objects", result.Stdout);
        AssertSignedBy(sourceProxy, source, sourceSigner);
        AssertSignedBy(destinationProxy, destination, destinationSigner);
        Assert.Contains(destinationProxy.Seen, r => r.Method == "PUT" && r.Target.StartsWith($"/{destination}/obj-2", StringComparison.Ordinal));
        using var copied = await second.GetObjectAsync(destination, "obj-2");
        using var reader = new StreamReader(copied.ResponseStream);
        Assert.Equal("body 2", await reader.ReadToEndAsync());
    }

    /// <summary>Every request through <paramref name="proxy"/> was signed with that key and region and addressed <paramref name="bucket"/> by path.</summary>
    private static void AssertSignedBy(FaultInjectingProxy proxy, string bucket, (string Region, string Key) signer)
    {
        Assert.NotEmpty(proxy.Seen);
        Assert.All(proxy.Seen, r =>
        {
            Assert.Contains($"Credential={signer.Key}/", r.Authorization, StringComparison.Ordinal);
            Assert.Contains($"/{signer.Region}/s3/aws4_request", r.Authorization, StringComparison.Ordinal);
            Assert.StartsWith($"/{bucket}", r.Target, StringComparison.Ordinal);
        });
    }

    /// <summary>A bucket of the first user with three objects and an empty bucket of the second.</summary>
    private async Task<(string Source, string Destination)> TwoUsersBucketsAsync()
    {
        var source = await NewBucketAsync(first, "u1");
        var destination = await NewBucketAsync(second, "u2");
        for (var i = 0; i < 3; i++)
        {
            await first.PutObjectAsync(new PutObjectRequest { BucketName = source, Key = $"obj-{i}", ContentBody = $"body {i}" });
        }

        return (source, destination);
    }

    /// <summary>
    /// Credentials only through named profiles, and an AWS-wide endpoint that answers nothing: a
    /// side whose own endpoint or profile were ignored could not work.
    /// </summary>
    private Dictionary<string, string?> ProfilesEnv()
    {
        var credentials = Path.Combine(work.Root, "credentials");
        var one = server.Credentials.GetCredentials();
        var two = server.OtherCredentials.GetCredentials();
        File.WriteAllText(credentials,
            $"[first]\naws_access_key_id = {one.AccessKey}\naws_secret_access_key = {one.SecretKey}\n" +
            $"[second]\naws_access_key_id = {two.AccessKey}\naws_secret_access_key = {two.SecretKey}\n");
        return new Dictionary<string, string?>
        {
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "no-config"),
            ["AWS_ACCESS_KEY_ID"] = string.Empty,
            ["AWS_SECRET_ACCESS_KEY"] = string.Empty,
            ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9",
            ["AWS_REGION"] = "us-east-1",
        };
    }

    private async Task<Dictionary<string, string?>> KeysEnvAsync()
    {
        var access = await server.Credentials.GetCredentialsAsync();
        return new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ENDPOINT_URL_S3"] = string.Empty,
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "none"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "none"),
        };
    }

    private static async Task<string> NewBucketAsync(AmazonS3Client owner, string tag)
    {
        var name = $"hs-{tag}-" + Guid.NewGuid().ToString("N")[..16];
        await owner.PutBucketAsync(name);
        return name;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private string State(string name) => Path.Combine(work.Root, name + ".db");
}
