using System.Globalization;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// Cluster roles over Postgres state: a copier stopped with SIGTERM drains and releases its work,
/// failed tasks come back with retry-failed, and one-process sync runs over a durable queue.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterLifecycleTests : IDisposable
{
    private readonly TempTree work = new("cluster-life");

    [Fact]
    public async Task Copier_Sigterm_StopsTakingWorkReleasesInFlightAndExitsZero()
    {
        await using var cluster = await ClusterEnvironment.CreateAsync("postgres");
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        for (var i = 0; i < 200; i++)
        {
            src.Write($"f{i:D3}.txt", [(byte)i]);
        }

        var env = cluster.Variables;
        Assert.Equal(0, (await CliProcess.RunAsync(["job", "create", "drain", src.Root, dst.Root], env)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(["lister", "--job", "drain"], env)).ExitCode);

        // 300 ms per write and a 1 s drain: SIGTERM lands with messages in flight that cannot all finish.
        var slow = new Dictionary<string, string?>(env) { ["HEAVYSYNC_TEST_DELAY"] = "write=300" };
        var stopped = await CliProcess.RunAndTerminateAsync(["copier", "-j", "2", "--drain-timeout", "1s", "-v"], slow, line => Copied(line) >= 4, TimeSpan.FromMinutes(2));

        Assert.True(stopped.Killed, "SIGTERM was sent");
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Contains("Stop requested", stopped.All);
        var copiedBeforeStop = CopiedAtStop(stopped.Stdout);
        Assert.InRange(copiedBeforeStop, 4, 199);

        // Released at once, not after the 5-minute lease: a second copier finishes everything now.
        var rest = await CliProcess.RunAsync(["copier", "--idle-exit", "3s"], env, TimeSpan.FromMinutes(1));
        Assert.True(rest.ExitCode == 0, rest.ToString());
        Assert.Equal(200 - copiedBeforeStop, CopiedAtStop(rest.Stdout));
        var finalizer = await CliProcess.RunAsync(["finalizer"], env);
        Assert.True(finalizer.ExitCode == 0, finalizer.ToString());
        src.AssertSameAs(dst);
    }

    [Fact]
    public async Task RetryFailed_AfterTheCauseIsFixed_CopiesTheFailedTaskAndTheRunEndsInSync()
    {
        await using var cluster = await ClusterEnvironment.CreateAsync("postgres");
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        src.Write("a/b.txt", "b"u8.ToArray());
        src.Write("c.txt", "c"u8.ToArray());
        dst.Write("a", "a file where the source has a directory"u8.ToArray());
        var env = cluster.Variables;
        Assert.Equal(0, (await CliProcess.RunAsync(["job", "create", "retry", src.Root, dst.Root], env)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(["lister", "--job", "retry"], env)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(["copier", "--idle-exit", "2s", "--max-deliveries", "1"], env)).ExitCode);

        var failed = await CliProcess.RunAsync(["finalizer", "--job", "retry"], env);
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Contains("failed a/b.txt", failed.Stdout);
        Assert.True(File.Exists(dst.PathOf("a")), "no deletion while a task failed");
        var status = await CliProcess.RunAsync(["status", "--job", "retry"], env);
        Assert.Contains("failed copy a/b.txt", status.Stdout);

        File.Delete(dst.PathOf("a"));
        var retried = await CliProcess.RunAsync(["retry-failed", "--job", "retry"], env);
        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Contains("1 failed tasks reset to pending, 1 copy tasks published", retried.Stdout);
        Assert.Equal(0, (await CliProcess.RunAsync(["copier", "--idle-exit", "2s"], env)).ExitCode);
        var finalized = await CliProcess.RunAsync(["finalizer", "--job", "retry"], env);

        Assert.True(finalized.ExitCode == 0, finalized.ToString());
        Assert.Contains("in sync", finalized.Stdout);
        src.AssertSameAs(dst);
        var nothing = await CliProcess.RunAsync(["retry-failed", "--job", "retry"], env);
        Assert.Contains("no failed tasks", nothing.Stdout);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqs")]
    public async Task Sync_PostgresStateAndDurableQueue_SyncsAndResyncCopiesNothing(string queueKind)
    {
        await using var cluster = await ClusterEnvironment.CreateAsync(queueKind);
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        var random = new Random(8);
        for (var i = 0; i < 120; i++)
        {
            src.WriteRandom($"s/{i}.bin", random.Next(0, 3000), random);
        }

        var first = await CliProcess.RunAsync(["sync", src.Root, dst.Root], cluster.Variables);
        var second = await CliProcess.RunAsync(["sync", src.Root, dst.Root], cluster.Variables);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("copied 120 objects", first.Stdout);
        Assert.Contains("state: postgres://", first.Stdout);
        Assert.DoesNotContain("heavysync-test", first.Stdout);
        src.AssertSameAs(dst);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("copied 0 objects", second.Stdout);
    }

    private static long Copied(string line) =>
        line.StartsWith("copying: ", StringComparison.Ordinal)
            ? long.Parse(line["copying: ".Length..].Split('/', ' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture)
            : 0;

    private static int CopiedAtStop(string stdout) =>
        int.Parse(stdout.Split('\n').First(l => l.StartsWith("copier stopped: copied ", StringComparison.Ordinal))["copier stopped: copied ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);

    public void Dispose() => work.Dispose();
}
