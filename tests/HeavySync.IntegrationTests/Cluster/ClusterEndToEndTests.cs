using System.Globalization;
using HeavySync.Engine;
using HeavySync.IntegrationTests.Gcs;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.Planning;
using HeavySync.State;
using HeavySync.State.Postgres;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// Issue 5's proof, for each queue kind: Postgres state, radosgw source, GCS destination (emulator);
/// one lister (SIGKILLed once, then restarted: during the source listing, or after the source
/// listing completed while the destination listing runs), three copier processes (one SIGKILLed
/// mid-run) and a finalizer, all separate OS processes, move 5,000 objects S3 → GCS. Everything
/// arrives verified, the ledger matches the destination, deletes wait for complete listings and
/// the finalizer, and the work done twice stays within what the killed copier had in flight.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterEndToEndTests : IClassFixture<ClusterSourceFixture>, IClassFixture<GcsFixture>, IDisposable
{
    // What the killed copier can have copied without a durable outcome: its copies in flight and
    // those of the last outcome batch, bounded generously by twice its concurrency × 32.
    private const int KilledConcurrency = 4;
    private const int RedoBound = 2 * KilledConcurrency * 32;

    private readonly ClusterSourceFixture source;
    private readonly GcsFixture gcs;
    private readonly TempTree work = new("cluster-e2e");

    private readonly ITestOutputHelper output;

    public ClusterEndToEndTests(ClusterSourceFixture source, GcsFixture gcs, ITestOutputHelper output)
    {
        this.source = source;
        this.gcs = gcs;
        this.output = output;
    }

    [Theory]
    [InlineData("postgres", "source")]
    [InlineData("sqs", "destination")]
    [InlineData("pubsub", "destination")]
    public async Task Cluster_KilledListerAndCopier_EverythingArrivesVerifiedAndDeletesWaitForTheFinalizer(string queueKind, string killDuring)
    {
        var bucket = await gcs.CreateBucketAsync();
        await PutGcsAsync(bucket, "data/stale-1.bin", "old");
        await PutGcsAsync(bucket, "data/0/stale-2.bin", "old");
        await using var cluster = await ClusterEnvironment.CreateAsync(queueKind);
        var stateUrl = cluster.StateUrl;
        var env = Env(cluster);

        var created = await Cli(["job", "create", "e2e", $"s3://{source.Bucket}/data/", $"gs://{bucket}/data/",
            "--src-endpoint", source.Server.Endpoint, "--dst-endpoint", gcs.Gaps.Endpoint, "--max-delete", "10"], env);
        Assert.True(created.ExitCode == 0, created.ToString());

        // Lister 1 is SIGKILLed: either once 1,500 source entries are listed (2 ms per entry), or once
        // the source listing is complete; the destination listing (20 s per entry) still runs either way.
        var killedLister = killDuring == "source"
            ? await CliProcess.RunAsync(["lister", "--job", "e2e"], With(env, "HEAVYSYNC_TEST_DELAY", "list_source=2,list_destination=20000"),
                line => ListedSource(line) >= 1_500, TimeSpan.FromMinutes(3))
            : await CliProcess.RunAsync(["lister", "--job", "e2e"], With(env, "HEAVYSYNC_TEST_DELAY", "list_destination=20000"),
                line => ListedSource(line) >= ClusterSourceFixture.Count, TimeSpan.FromMinutes(3));
        Assert.True(killedLister.Killed, killedLister.ToString());
        await using (var state = await PostgresStateStore.OpenAsync(stateUrl, CancellationToken.None))
        {
            var job = (await state.FindJobByNameAsync("e2e", CancellationToken.None))!;
            var run = (await state.GetOpenRunAsync(job.Id, CancellationToken.None))!;
            Assert.Equal(RunPhase.Listing, run.Phase);
            Assert.False(run.DestinationListed);
            if (killDuring == "source")
            {
                Assert.False(run.SourceListed);
                Assert.NotNull(run.SourceResumeAfter);
                Assert.True(await state.CountManifestAsync(run.Id, Storage.StoreSide.Source, CancellationToken.None) >= 1_000);
            }
            else
            {
                Assert.True(run.SourceListed);
                Assert.Equal(ClusterSourceFixture.Count, await state.CountManifestAsync(run.Id, Storage.StoreSide.Source, CancellationToken.None));
            }
        }

        // Nothing was deleted on the strength of an incomplete listing.
        Assert.Equal(2, await CountGcsAsync(bucket, "stale"));

        // Lister 2 resumes: the source listing after the saved key (fewer than the 5 pages a full
        // listing of 5,000 keys takes), or not at all once it was complete; either way one
        // destination page, plus the one-object LIST that proves the GCS bucket readable when the
        // store opens. It publishes every task.
        var lister = await Cli(["lister", "--job", "e2e", "-v"], env);
        Assert.True(lister.ExitCode == 0, lister.ToString());
        if (killDuring == "source")
        {
            Assert.Contains("Resuming the Source listing", lister.All);
            Assert.True(Requests(lister.Stdout, "LIST") < 7, lister.Stdout);
        }
        else
        {
            Assert.DoesNotContain("Resuming the Source listing", lister.All);
            Assert.True(Requests(lister.Stdout, "LIST") == 2, lister.Stdout);
        }

        Assert.Contains($"published {ClusterSourceFixture.Count} copy tasks", lister.Stdout);
        Assert.Equal(2, await CountGcsAsync(bucket, "stale"));

        // Three copiers; the first is SIGKILLed once it has copied 300 objects. The other two pick up
        // its unacknowledged messages when their leases (10 s) run out.
        var uploadsBefore = gcs.Gaps.UploadsTo(bucket);
        var copiers = await Task.WhenAll(
            CliProcess.RunAsync(["copier", "-j", KilledConcurrency.ToString(CultureInfo.InvariantCulture)], env, line => Copied(line) >= 300, TimeSpan.FromMinutes(5)),
            CliProcess.RunAsync(["copier", "-j", "4", "--idle-exit", "20s"], With(env, "HEAVYSYNC_TEST_DELAY", "write=5"), null, TimeSpan.FromMinutes(5)),
            CliProcess.RunAsync(["copier", "-j", "4", "--idle-exit", "20s"], With(env, "HEAVYSYNC_TEST_DELAY", "write=5"), null, TimeSpan.FromMinutes(5)));
        Assert.True(copiers[0].Killed, copiers[0].ToString());
        Assert.True(copiers[1].ExitCode == 0 && copiers[2].ExitCode == 0, copiers[1] + "\n" + copiers[2]);
        Assert.True(copiers[1].Stdout.Contains("copier stopped", StringComparison.Ordinal) && copiers[2].Stdout.Contains("copier stopped", StringComparison.Ordinal));
        Assert.Equal(2, await CountGcsAsync(bucket, "stale"));

        var redone = gcs.Gaps.UploadsTo(bucket) - uploadsBefore - ClusterSourceFixture.Count;
        output.WriteLine($"{queueKind} (lister killed during the {killDuring} listing): copies done twice {redone} (bound {RedoBound}); lister 2 LIST requests {Requests(lister.Stdout, "LIST")}; " +
            $"copiers 2 and 3 copied {Copies(copiers[1].Stdout)} and {Copies(copiers[2].Stdout)}");
        Assert.True(redone >= 0 && redone <= RedoBound, $"{redone} objects were copied twice (bound {RedoBound})");

        var finalizer = await Cli(["finalizer", "--job", "e2e"], env);
        Assert.True(finalizer.ExitCode == 0, finalizer.ToString());
        Assert.Contains("deleted 2 objects", finalizer.Stdout);
        Assert.Contains("in sync", finalizer.Stdout);

        await AssertDestinationMatchesAsync(bucket, stateUrl);
    }

    private async Task AssertDestinationMatchesAsync(string bucket, string stateUrl)
    {
        await using var store = await gcs.OpenAsync(bucket, "data/");
        await using var state = await PostgresStateStore.OpenAsync(stateUrl, CancellationToken.None);
        var job = (await state.FindJobByNameAsync("e2e", CancellationToken.None))!;
        var seen = 0;
        await foreach (var entry in store.ListAsync(null, CancellationToken.None))
        {
            seen++;
            Assert.True(source.Md5.TryGetValue("data/" + entry.Key, out var md5), $"unexpected destination object {entry.Key}");
            Assert.Equal(md5, entry.Md5);
            var ledger = await state.GetLedgerAsync(job.Id, entry.Key, CancellationToken.None);
            Assert.NotNull(ledger);
            Assert.Equal(Fingerprint.Of(entry), ledger.DestinationFingerprint);
        }

        Assert.Equal(ClusterSourceFixture.Count, seen);
    }

    private Dictionary<string, string?> Env(ClusterEnvironment cluster)
    {
        var access = source.Server.Credentials.GetCredentials();
        return new Dictionary<string, string?>(cluster.Variables)
        {
            ["HEAVYSYNC_QUEUE_LEASE"] = "10s",
            ["HEAVYSYNC_LISTING_BATCH"] = "500",
            ["AWS_ACCESS_KEY_ID"] = access.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = access.SecretKey,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Root, "no-credentials"),
            ["AWS_CONFIG_FILE"] = Path.Combine(work.Root, "no-config"),
            ["GOOGLE_APPLICATION_CREDENTIALS"] = null,
        };
    }

    private async Task PutGcsAsync(string bucket, string name, string text)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(
            $"{gcs.Gaps.Endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={Uri.EscapeDataString(name)}",
            new StringContent(text));
        response.EnsureSuccessStatusCode();
    }

    private async Task<int> CountGcsAsync(string bucket, string contains)
    {
        await using var store = await gcs.OpenAsync(bucket, "data/");
        var count = 0;
        await foreach (var entry in store.ListAsync(null, CancellationToken.None))
        {
            count += entry.Key.Contains(contains, StringComparison.Ordinal) ? 1 : 0;
        }

        return count;
    }

    /// <summary>"listing: source 1,234 objects, ..." → 1234.</summary>
    private static long ListedSource(string line) =>
        line.StartsWith("listing: source ", StringComparison.Ordinal)
            ? long.Parse(line["listing: source ".Length..].Split(' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture)
            : 0;

    /// <summary>"copying: 1,234/0 objects, ..." → 1234.</summary>
    private static long Copied(string line) =>
        line.StartsWith("copying: ", StringComparison.Ordinal)
            ? long.Parse(line["copying: ".Length..].Split('/', ' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture)
            : 0;

    /// <summary>"copier stopped: copied 123 objects ..." → 123.</summary>
    private static long Copies(string stdout) =>
        long.Parse(stdout.Split('\n').First(l => l.StartsWith("copier stopped: copied ", StringComparison.Ordinal))["copier stopped: copied ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The count of <paramref name="operation"/> in the "requests: LIST 6, GET 3" line.</summary>
    private static long Requests(string stdout, string operation)
    {
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("requests: ", StringComparison.Ordinal)) ?? string.Empty;
        var part = line["requests: ".Length..].Split(", ").FirstOrDefault(p => p.StartsWith(operation + " ", StringComparison.Ordinal));
        return part is null ? 0 : long.Parse(part[(operation.Length + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> env, string key, string value) => new(env) { [key] = value };

    private static Task<CliResult> Cli(string[] args, IDictionary<string, string?> env) => CliProcess.RunAsync(args, env, TimeSpan.FromMinutes(3));

    public void Dispose() => work.Dispose();
}
