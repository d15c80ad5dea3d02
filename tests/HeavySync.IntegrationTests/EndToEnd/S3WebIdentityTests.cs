using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.Faults;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>
/// Web identity (IRSA): only <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c> in the
/// environment, no keys. The SDK's default chain calls STS AssumeRoleWithWebIdentity —
/// here <see cref="FakeStsServer"/> on 127.0.0.1 (through <c>AWS_ENDPOINT_URL_STS</c>), which hands
/// out the second radosgw user's keys — and the sync signs every S3 request with them.
/// </summary>
public sealed class S3WebIdentityTests : IDisposable
{
    private const string SessionToken = "FAKE-STS-SESSION-TOKEN-0001";
    private readonly TempTree work = new("s3-irsa");

    [Fact]
    public async Task Sync_WebIdentityTokenAndRoleOnly_AssumesTheRoleAndSyncsWithItsCredentials()
    {
        var server = await RadosgwServer.GetAsync();
        var second = await server.OtherCredentials.GetCredentialsAsync();
        using var owner = new AmazonS3Client(server.OtherCredentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = server.Endpoint, Region = "us-east-1" }));
        var bucket = "hs-irsa-" + Guid.NewGuid().ToString("N")[..16];
        await owner.PutBucketAsync(bucket);
        using var src = new TempTree("src");
        src.Write("a.txt", "assumed"u8.ToArray());
        src.Write("dir/b.txt", "role"u8.ToArray());
        var tokenFile = Path.Combine(work.Root, "token");
        await File.WriteAllTextAsync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.fake-service-account-token.sig");
        await using var sts = FakeStsServer.Start(second.AccessKey, second.SecretKey, SessionToken);
        await using var proxy = FaultInjectingProxy.Start(server.Endpoint, FaultOptions.None);
        var env = new Dictionary<string, string?>
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/heavysync-copier",
            ["AWS_ROLE_SESSION_NAME"] = "heavysync-test",
            ["AWS_ENDPOINT_URL_STS"] = sts.Endpoint,
            ["AWS_ENDPOINT_URL_S3"] = proxy.Endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = string.Empty,
            ["AWS_SECRET_ACCESS_KEY"] = string.Empty,
            ["AWS_SESSION_TOKEN"] = string.Empty,
            ["AWS_PROFILE"] = string.Empty,
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "no-credentials"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "no-config"),
        };

        var result = await CliProcess.RunAsync(["sync", src.Root, $"s3://{bucket}/up", "--state", Path.Combine(work.Root, "s.db")], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        var call = Assert.Single(sts.Calls);
        Assert.Equal("arn:aws:iam::123456789012:role/heavysync-copier", call["RoleArn"]);
        Assert.Equal("heavysync-test", call["RoleSessionName"]);
        Assert.Equal(await File.ReadAllTextAsync(tokenFile), call["WebIdentityToken"]);
        Assert.NotEmpty(proxy.Seen);
        Assert.All(proxy.Seen, r =>
        {
            Assert.Contains($"Credential={second.AccessKey}/", r.Authorization, StringComparison.Ordinal);
            Assert.Contains("x-amz-security-token", r.Authorization, StringComparison.Ordinal); // the session token is signed along
        });
        using var copied = await owner.GetObjectAsync(bucket, "up/dir/b.txt");
        using var reader = new StreamReader(copied.ResponseStream);
        Assert.Equal("role", await reader.ReadToEndAsync());
        Assert.DoesNotContain(second.SecretKey, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionToken, result.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShipsTheStsAssembly_WebIdentityNeedsIt()
    {
        // The SDK loads STS by reflection only when web identity is used: nothing else would notice it missing.
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(CliProcess.DllPath)!, "AWSSDK.SecurityToken.dll")));
    }

    public void Dispose() => work.Dispose();
}
