using System.Globalization;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.State.Postgres;
using Npgsql;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The per-job locks at role level, with real processes on Postgres: a second lister (or finalizer)
/// of a job that one is already working on exits at once with one clear line and exit 0 (nothing
/// for it to do is not a failure: a CronJob must not retry it), and only the first does the work.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRoleLockTests : IDisposable
{
    private readonly TempTree src = new("lock-src");
    private readonly TempTree dst = new("lock-dst");

    [Fact]
    public async Task Lister_SecondListerOfTheSameJob_ExitsAtOnceAndOnlyTheFirstPublishes()
    {
        await using var cluster = await ClusterEnvironment.CreateAsync("postgres");
        for (var i = 0; i < 300; i++)
        {
            src.Write($"f{i:D3}.txt", [(byte)i]);
        }

        var env = cluster.Variables;
        Assert.Equal(0, (await CliProcess.RunAsync(["job", "create", "locked", src.Root, dst.Root], env)).ExitCode);

        // The first lister lists slowly (100 ms per entry, 30 s): the second starts while it holds the lock.
        var listing = 0;
        var first = CliProcess.RunAsync(["lister", "--job", "locked"], new Dictionary<string, string?>(env) { ["HEAVYSYNC_TEST_DELAY"] = "list=100" },
            line =>
            {
                if (line.StartsWith("listing: ", StringComparison.Ordinal))
                {
                    Volatile.Write(ref listing, 1);
                }

                return false;
            },
            TimeSpan.FromMinutes(3));
        await WaitForAsync(() => Task.FromResult(Volatile.Read(ref listing) == 1), first);
        var second = await CliProcess.RunAsync(["lister", "--job", "locked"], env, TimeSpan.FromMinutes(2));
        var firstResult = await first;

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("job locked: another lister is running it; nothing to do", second.Stdout.Split('\n')[0].TrimEnd('\r'));
        Assert.DoesNotContain("published", second.Stdout);
        Assert.True(firstResult.ExitCode == 0, firstResult.ToString());
        Assert.Contains("published 300 copy tasks", firstResult.Stdout);
        Assert.Equal(3, await ScalarAsync(cluster.StateUrl, "SELECT count(*) FROM queue_messages"));
        Assert.Equal(1, await ScalarAsync(cluster.StateUrl, "SELECT count(*) FROM runs"));
    }

    [Fact]
    public async Task Finalizer_SecondFinalizerOfTheSameJob_ExitsAtOnceAndOnlyTheFirstDeletes()
    {
        await using var cluster = await ClusterEnvironment.CreateAsync("postgres");
        src.Write("keep.txt", "k"u8.ToArray());
        for (var i = 0; i < 3; i++)
        {
            dst.Write($"stale-{i}.txt", "old"u8.ToArray());
        }

        var env = cluster.Variables;
        Assert.Equal(0, (await CliProcess.RunAsync(["job", "create", "fin", src.Root, dst.Root, "--max-delete", "10"], env)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(["lister", "--job", "fin"], env)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(["copier", "--idle-exit", "2s"], env)).ExitCode);

        // The first finalizer deletes slowly (10 s per delete): the second starts while it holds the job's lock.
        var first = CliProcess.RunAsync(["finalizer", "--job", "fin"], new Dictionary<string, string?>(env) { ["HEAVYSYNC_TEST_DELAY"] = "delete=10000" }, TimeSpan.FromMinutes(2));
        await WaitForAsync(async () => await ScalarAsync(cluster.StateUrl, "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()") > 0, first);
        var second = await CliProcess.RunAsync(["finalizer", "--job", "fin"], env, TimeSpan.FromMinutes(2));
        var firstResult = await first;

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("run 1: waiting (another finalizer is working on this job)", second.Stdout);
        Assert.DoesNotContain("deleted", second.Stdout);
        Assert.True(firstResult.ExitCode == 0, firstResult.ToString());
        Assert.Contains("deleted 3 objects", firstResult.Stdout);
        src.AssertSameAs(dst);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, Task<CliResult> holder)
    {
        for (var attempt = 0; attempt < 1_200; attempt++)
        {
            if (await condition())
            {
                return;
            }

            if (holder.IsCompleted)
            {
                Assert.Fail("the first process ended before the second could start: " + await holder);
            }

            await Task.Delay(50);
        }

        Assert.Fail("the first process never got to work");
    }

    private static async Task<long> ScalarAsync(string url, string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(url).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        src.Dispose();
        dst.Dispose();
    }
}
