using HeavySync.IntegrationTests.Gcs;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.EndToEnd;

public sealed partial class GcsSyncGapsTests
{
    [Fact]
    public async Task Sync_CredentialsFromTheMetadataServer_AuthenticateEveryRequest()
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        for (var i = 0; i < 4; i++)
        {
            src.Write($"m{i}.txt", System.Text.Encoding.UTF8.GetBytes($"file {i}"));
        }

        await using var metadata = FakeMetadataServer.Start("metadata-access-token-" + Guid.NewGuid().ToString("N")[..8]);
        var bearer = "Bearer " + metadata.AccessToken;
        var anonymousBefore = gcs.Gaps.Authorizations.GetValueOrDefault(string.Empty);

        var result = await Cli(["sync", src.Root, $"gs://{bucket}/m", "--state", State("metadata")], MetadataEnv(metadata));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(metadata.TokenRequests >= 1, "no token was asked of the metadata server: " + string.Join(", ", metadata.Paths));
        Assert.DoesNotContain(metadata.Paths, p => p.StartsWith("(no Metadata-Flavor)", StringComparison.Ordinal) && p.Contains("/token", StringComparison.Ordinal));

        // Open (list + bucket) and four uploads, at least: every one carried the metadata server's token.
        Assert.True(gcs.Gaps.Authorizations.GetValueOrDefault(bearer) >= 6, $"{gcs.Gaps.Authorizations.GetValueOrDefault(bearer)} requests carried the token");
        Assert.Equal(anonymousBefore, gcs.Gaps.Authorizations.GetValueOrDefault(string.Empty));
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Sync_CredentialsRefusedAtOpen_ExitsFatalWithOneLine(int status)
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        await using var metadata = FakeMetadataServer.Start("refused-token-" + Guid.NewGuid().ToString("N")[..8]);
        gcs.Gaps.Refuse("Bearer " + metadata.AccessToken, status);

        var result = await Cli(["sync", src.Root, $"gs://{bucket}/r", "--state", State($"refused-{status}")], MetadataEnv(metadata));

        Assert.True(result.ExitCode == 4, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"access to destination gs://{bucket}", line);
        Assert.Contains("was denied", line);
        Assert.DoesNotContain(metadata.AccessToken, result.All);
    }

    /// <summary>The emulator's endpoint, no key file, no gcloud login (an empty HOME), and the
    /// metadata server named by GCE_METADATA_HOST, as on GCE or GKE with Workload Identity.</summary>
    private Dictionary<string, string?> MetadataEnv(FakeMetadataServer metadata)
    {
        var env = Env();
        var home = Path.Combine(work.Root, "home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        env["HOME"] = home;
        env["CLOUDSDK_CONFIG"] = Path.Combine(home, "gcloud");
        env["GCE_METADATA_HOST"] = metadata.Host;
        return env;
    }
}
