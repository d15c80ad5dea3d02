using System.Globalization;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.Sqs;
using HeavySync.State.Postgres;
using Npgsql;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// A copy longer than the queue lease (4 s), on a real queue, by real copier processes: the
/// copier's heartbeat keeps the message from a second copier while the copy runs (no work done
/// twice), and a copier SIGKILLed mid-copy loses the message only until its lease ends, when the
/// other copier does the copy. The slow copy is a fault-injected slow destination write.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CopierLeaseTests : IDisposable
{
    private readonly TempTree src = new("lease-src");
    private readonly TempTree dst = new("lease-dst");

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqs")]
    public async Task Copier_CopyLongerThanTheLease_HeartbeatKeepsTheMessageFromASecondCopier(string queueKind)
    {
        await using var cluster = await ClusterEnvironment.CreateAsync(queueKind);
        var env = await PrepareAsync(cluster);

        // Copier A writes for 16 s (four leases); copier B polls all along and must find nothing.
        var slowA = CliProcess.RunAsync(["copier", "--idle-exit", "2s"], With(env, "HEAVYSYNC_TEST_DELAY", "write=16000"), TimeSpan.FromMinutes(2));
        await WaitUntilLeasedAsync(queueKind, cluster, slowA);
        var b = await CliProcess.RunAsync(["copier", "--idle-exit", "8s"], env, TimeSpan.FromMinutes(2));
        var a = await slowA;

        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.Contains("copier stopped: copied 1 objects", a.Stdout);
        Assert.Contains("copier stopped: copied 0 objects", b.Stdout);
        src.AssertSameAs(dst, compareMtimes: false);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqs")]
    public async Task Copier_KilledDuringALongCopy_MessageRedeliveredAfterTheLeaseAndCopiedByAnother(string queueKind)
    {
        await using var cluster = await ClusterEnvironment.CreateAsync(queueKind);
        var env = await PrepareAsync(cluster);
        var leased = 0;

        var killed = CliProcess.RunAsync(["copier"], With(env, "HEAVYSYNC_TEST_DELAY", "write=160000"), _ => Volatile.Read(ref leased) == 1, TimeSpan.FromMinutes(2));
        await WaitUntilLeasedAsync(queueKind, cluster, killed);
        Volatile.Write(ref leased, 1);
        var a = await killed;
        var b = await CliProcess.RunAsync(["copier", "--idle-exit", "10s"], env, TimeSpan.FromMinutes(2));

        Assert.True(a.Killed, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.Contains("copier stopped: copied 1 objects", b.Stdout);
        src.AssertSameAs(dst, compareMtimes: false);
    }

    private async Task<Dictionary<string, string?>> PrepareAsync(ClusterEnvironment cluster)
    {
        src.Write("slow.bin", TestDataBytes());
        var env = new Dictionary<string, string?>(cluster.Variables) { ["HEAVYSYNC_QUEUE_LEASE"] = "4s" };
        Assert.Equal(0, (await CliProcess.RunAsync(["job", "create", "lease", src.Root, dst.Root], env)).ExitCode);
        var lister = await CliProcess.RunAsync(["lister", "--job", "lease"], env);
        Assert.True(lister.ExitCode == 0, lister.ToString());
        Assert.Contains("published 1 copy tasks", lister.Stdout);
        return env;
    }

    /// <summary>Waits until the queue shows the one message leased (the copier has it), failing if the copier exits first.</summary>
    private static async Task WaitUntilLeasedAsync(string queueKind, ClusterEnvironment cluster, Task<CliResult> copier)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (copier.IsCompleted)
            {
                Assert.Fail("the copier exited before it leased the message: " + await copier);
            }

            if (await LeasedAsync(queueKind, cluster))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the message was never leased");
    }

    private static async Task<bool> LeasedAsync(string queueKind, ClusterEnvironment cluster)
    {
        if (queueKind == "sqs")
        {
            var url = new Uri(cluster.Variables["HEAVYSYNC_QUEUE"]!);
            using var client = SqsServer.Client(url.GetLeftPart(UriPartial.Authority));
            var attributes = await client.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessagesNotVisible"], CancellationToken.None);
            return long.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], CultureInfo.InvariantCulture) == 1;
        }

        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(cluster.StateUrl).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM queue_messages WHERE lease_token IS NOT NULL AND visible_at > clock_timestamp()", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 1;
    }

    private static byte[] TestDataBytes() => [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];

    private static Dictionary<string, string?> With(Dictionary<string, string?> env, string key, string value) => new(env) { [key] = value };

    public void Dispose()
    {
        src.Dispose();
        dst.Dispose();
    }
}
