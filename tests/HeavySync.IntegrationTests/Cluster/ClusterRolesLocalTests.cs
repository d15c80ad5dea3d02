using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.Sqs;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The cluster roles as separate OS processes on one machine: a SQLite state file shared by the
/// processes, the SQS test server as the queue, local trees as the locations. The job lifecycle end
/// to end: create, list and publish, copy with two copiers, finalize (deleting only then), retry.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRolesLocalTests : IDisposable
{
    private readonly TempTree work = new("cluster");

    [Fact]
    public async Task Roles_ListerTwoCopiersFinalizer_DestinationMatchesAndDeletesWaitForTheFinalizer()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        var random = new Random(5);
        for (var i = 0; i < 300; i++)
        {
            src.WriteRandom($"d{i % 7}/f{i:D4}.bin", random.Next(0, 5_000), random);
        }

        dst.Write("stale.txt", "old"u8.ToArray());
        var env = await EnvAsync();

        var created = await Cli(["job", "create", "photos", src.Root, dst.Root, "--max-delete", "10"], env);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("created job photos", created.Stdout);

        var listed = await Cli(["lister", "--job", "photos"], env);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains("published 300 copy tasks", listed.Stdout);
        Assert.True(File.Exists(dst.PathOf("stale.txt")), "the lister must not delete");

        // A second lister pass publishes nothing again.
        var again = await Cli(["lister", "--job", "photos"], env);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("published 300", again.Stdout);

        var copiers = await Task.WhenAll(
            Cli(["copier", "--idle-exit", "3s", "-j", "4"], env),
            Cli(["copier", "--idle-exit", "3s", "-j", "4"], env));
        foreach (var copier in copiers)
        {
            Assert.True(copier.ExitCode == 0, copier.ToString());
        }

        Assert.Equal(300, copiers.Sum(c => CopiedCount(c.Stdout)));
        Assert.True(File.Exists(dst.PathOf("stale.txt")), "copiers must not delete");

        var finalized = await Cli(["finalizer"], env);
        Assert.True(finalized.ExitCode == 0, finalized.ToString());
        Assert.Contains("deleted 1 objects", finalized.Stdout);
        src.AssertSameAs(dst);

        var status = await Cli(["status", "--job", "photos"], env);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("run 1", status.Stdout);
        Assert.Contains("done", status.Stdout);
    }

    [Fact]
    public async Task Copier_TwoJobsOnOneQueue_ServesBothWithEachJobsOwnSettings()
    {
        using var srcA = new TempTree("src-a");
        using var dstA = new TempTree("dst-a");
        using var srcB = new TempTree("src-b");
        using var dstB = new TempTree("dst-b");
        for (var i = 0; i < 50; i++)
        {
            srcA.Write($"a{i}.txt", [(byte)i]);
            srcB.Write($"b{i}.jpg", [(byte)i, 2]);
            srcB.Write($"b{i}.tmp", [(byte)i, 3]);
        }

        var env = await EnvAsync();
        Assert.Equal(0, (await Cli(["job", "create", "a", srcA.Root, dstA.Root], env)).ExitCode);
        Assert.Equal(0, (await Cli(["job", "create", "b", srcB.Root, dstB.Root, "--include", "*.jpg"], env)).ExitCode);
        Assert.Equal(0, (await Cli(["lister", "--job", "a"], env)).ExitCode);
        Assert.Equal(0, (await Cli(["lister", "--job", "b"], env)).ExitCode);

        var copier = await Cli(["copier", "--idle-exit", "3s"], env);
        var finalizer = await Cli(["finalizer"], env);

        Assert.True(copier.ExitCode == 0, copier.ToString());
        Assert.Equal(100, CopiedCount(copier.Stdout));
        Assert.True(finalizer.ExitCode == 0, finalizer.ToString());
        srcA.AssertSameAs(dstA);
        Assert.Equal(50, dstB.Keys().Count);
        Assert.All(dstB.Keys(), k => Assert.EndsWith(".jpg", k));
    }

    [Fact]
    public async Task Finalizer_CopiesStillPending_WaitsAndDeletesNothing()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        src.Write("a.txt", "a"u8.ToArray());
        dst.Write("stale.txt", "old"u8.ToArray());
        var env = await EnvAsync();
        Assert.Equal(0, (await Cli(["job", "create", "j", src.Root, dst.Root], env)).ExitCode);
        Assert.Equal(0, (await Cli(["lister", "--job", "j"], env)).ExitCode);

        var finalized = await Cli(["finalizer", "--job", "j"], env);

        Assert.True(finalized.ExitCode == 0, finalized.ToString());
        Assert.Contains("waiting (1 copies pending)", finalized.Stdout);
        Assert.True(File.Exists(dst.PathOf("stale.txt")));
    }

    [Fact]
    public async Task JobCreate_BadDefinitions_OneLineUsageErrors()
    {
        var env = await EnvAsync();
        var unknown = await Cli(["job", "create", "--file", Write("jobs.yaml", "jobs:\n  - name: a\n    source: /tmp/a\n    destination: /tmp/b\n    options:\n      colour: blue\n")], env);
        var same = await Cli(["job", "create", "x", "/tmp/same", "/tmp/same"], env);
        var missingJob = await Cli(["lister", "--job", "nope"], env);
        var noQueue = await Cli(["copier", "--state", Path.Combine(work.Root, "other.db")], new Dictionary<string, string?>());

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown option 'colour'", unknown.Stderr);
        Assert.Equal(2, same.ExitCode);
        Assert.Equal(2, missingJob.ExitCode);
        Assert.Contains("no job named 'nope'", missingJob.Stderr);
        Assert.Equal(2, noQueue.ExitCode);
        Assert.Contains("no queue given", noQueue.Stderr);
        foreach (var result in new[] { unknown, same, missingJob, noQueue })
        {
            Assert.Single(result.Stderr.Trim().Split('\n'));
        }
    }

    [Fact]
    public async Task JobFile_AppliedTwice_CreatesThenUpdates()
    {
        var env = await EnvAsync();
        var file = Write("jobs.yaml", """
            jobs:
              - name: one
                source: /tmp/hs-one-src
                destination: /tmp/hs-one-dst
                options:
                  max_delete: "5%"
                  include: ["*.jpg", "*.png"]
              - name: two
                source: /tmp/hs-two-src
                destination: /tmp/hs-two-dst
            """);

        var first = await Cli(["job", "create", "--file", file], env);
        var second = await Cli(["job", "create", "--file", file], env);
        var show = await Cli(["job", "show", "one"], env);
        var list = await Cli(["job", "list"], env);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("created job one", first.Stdout);
        Assert.Contains("updated job one", second.Stdout);
        Assert.Contains("option include:1 = *.png", show.Stdout);
        Assert.Contains("option max_delete = 5%", show.Stdout);
        Assert.Contains("two", list.Stdout);
    }

    private static int CopiedCount(string stdout)
    {
        var line = stdout.Split('\n').First(l => l.StartsWith("copier stopped: copied ", StringComparison.Ordinal));
        return int.Parse(line["copier stopped: copied ".Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(work.Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<Dictionary<string, string?>> EnvAsync()
    {
        var server = await SqsServer.GetAsync();
        var queue = await SqsServer.CreateQueueAsync(server.Endpoint, SqsServer.UniqueName("cluster"));
        return new Dictionary<string, string?>
        {
            ["HEAVYSYNC_STATE"] = Path.Combine(work.Root, "state.db"),
            ["HEAVYSYNC_QUEUE"] = queue.ToString(),
            ["AWS_ACCESS_KEY_ID"] = "AKIDHEAVYSYNCTEST",
            ["AWS_SECRET_ACCESS_KEY"] = "heavysync-test-secret",
            ["AWS_REGION"] = "us-east-1",
        };
    }

    private static Task<CliResult> Cli(string[] args, IDictionary<string, string?> env) => CliProcess.RunAsync(args, env, TimeSpan.FromMinutes(2));

    public void Dispose() => work.Dispose();
}
