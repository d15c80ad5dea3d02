using HeavySync.IntegrationTests.Gcs;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.EndToEnd;

public sealed partial class GcsSyncGapsTests
{
    [Fact]
    public async Task Sync_RequesterPays_BillsGoogleCloudProjectOnEveryRequest()
    {
        var source = await gcs.CreateBucketAsync();
        var destination = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        src.WriteRandom("b.bin", 700 * 1024, new Random(56));
        Assert.Equal(0, (await Cli(["sync", src.Root, $"gs://{source}/p", "--state", State("rp-seed")])).ExitCode);
        var env = Env();
        env["GOOGLE_CLOUD_PROJECT"] = "billed-project";
        var before = gcs.Gaps.Recorded.Count;

        var result = await Cli(["sync", $"gs://{source}/p", $"gs://{destination}/p", "--state", State("rp"), "--gcs-requester-pays"], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        var requests = gcs.Gaps.Recorded.Skip(before).ToList();
        Assert.Contains(requests, r => r.Path.Contains("/rewriteTo/", StringComparison.Ordinal));
        Assert.All(requests, r => Assert.Equal("billed-project", r.Query["userProject"]));
    }

    [Fact]
    public async Task Sync_RequesterPaysWithoutAProject_ExitsFatalWithOneLine()
    {
        var bucket = await gcs.CreateBucketAsync();
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        var env = Env();
        env["GOOGLE_CLOUD_PROJECT"] = null;

        var result = await Cli(["sync", src.Root, $"gs://{bucket}/p", "--state", State("rp-none"), "--gcs-requester-pays"], env);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("needs a project to bill: set GOOGLE_CLOUD_PROJECT", Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Sync_MissingDestinationBucket_ExitsFatalNamingTheSide()
    {
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        var missing = GcsFixture.NewBucketName();

        var result = await Cli(["sync", src.Root, $"gs://{missing}/p", "--state", State("missing")]);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains($"destination bucket gs://{missing} does not exist", Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
