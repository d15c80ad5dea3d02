using System.Globalization;
using HeavySync.IntegrationTests.Faults;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.PubSub;
using HeavySync.IntegrationTests.Servers;
using HeavySync.IntegrationTests.Sqs;
using HeavySync.SqsTestServer;
using HeavySync.State.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The issue's cost target, for each queue kind: over a whole cluster run — a lister, three copier
/// processes and a finalizer of the published binary, 3,000 objects of 1 KiB, local to local — the
/// work queue gets at most 0.05 requests per copied object (publish, receive, acknowledge, lease
/// renewals and idle polling together), as the queue adapters count them and print them at exit.
/// That count is checked at the queue's side: it must equal the SQS test server's tally and what a
/// counting proxy in front of the Pub/Sub emulator forwarded, and agree with the transactions of a
/// database that holds nothing but the Postgres queue.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class QueueCostTests(ITestOutputHelper output) : IDisposable
{
    private const int Objects = 3_000;
    private const double Budget = 0.05;
    private readonly TempTree src = new("cost-src");
    private readonly TempTree dst = new("cost-dst");

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqs")]
    [InlineData("pubsub")]
    public async Task ClusterRun_3000SmallObjectsThreeCopiers_AtMostFiveHundredthsQueueRequestsPerObject(string queueKind)
    {
        var random = new Random(3);
        for (var i = 0; i < Objects; i++)
        {
            src.WriteRandom($"d{i % 20}/f{i:D5}.bin", 1024, random);
        }

        await using var counter = await QueueCounter.StartAsync(queueKind);
        var env = new Dictionary<string, string?>(counter.Variables)
        {
            ["HEAVYSYNC_STATE"] = await ClusterEnvironment.NewDatabaseAsync(),
        };

        Assert.Equal(0, (await Cli(["job", "create", "cost", src.Root, dst.Root], env)).ExitCode);
        var before = await counter.CountAsync();
        var lister = await Cli(["lister", "--job", "cost"], env);
        Assert.True(lister.ExitCode == 0, lister.ToString());
        var copiers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Cli(["copier", "--idle-exit", "3s"], env)));
        Assert.All(copiers, c => Assert.True(c.ExitCode == 0, c.ToString()));
        var finalizer = await Cli(["finalizer", "--job", "cost"], env);
        Assert.True(finalizer.ExitCode == 0, finalizer.ToString());
        var atServer = await counter.CountAsync() - before;

        var copied = copiers.Sum(c => Copied(c.Stdout));
        var byOperation = QueueRequestLines.Sum([lister.Stdout, .. copiers.Select(c => c.Stdout), finalizer.Stdout]);
        var counted = byOperation.Values.Sum();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{queueKind}: {counted} queue requests for {copied} objects = {(double)counted / copied:F4} per object " +
            $"({string.Join(", ", byOperation.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}); at the server: {atServer}"));

        Assert.Equal(Objects, copied);
        src.AssertSameAs(dst, compareMtimes: false);
        Assert.True((double)counted / Objects <= Budget, $"{counted} queue requests for {Objects} objects");
        counter.AssertAgrees(counted, atServer);
    }

    private static long Copied(string stdout) =>
        long.Parse(stdout.Split('\n').First(l => l.StartsWith("copier stopped: copied ", StringComparison.Ordinal))["copier stopped: copied ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);

    private static Task<CliResult> Cli(string[] args, IDictionary<string, string?> env) => CliProcess.RunAsync(args, env, TimeSpan.FromMinutes(4));

    public void Dispose()
    {
        src.Dispose();
        dst.Dispose();
    }

    /// <summary>A fresh queue of one kind and the server-side count of its requests.</summary>
    private sealed class QueueCounter : IAsyncDisposable
    {
        private SqsTestServerHost? sqs;
        private FaultInjectingProxy? proxy;
        private PubSubTestQueues? pubsub;
        private string? queueDatabase;

        public Dictionary<string, string?> Variables { get; } = [];

        private string Kind { get; init; } = string.Empty;

        public static async Task<QueueCounter> StartAsync(string kind)
        {
            var counter = new QueueCounter { Kind = kind };
            switch (kind)
            {
                case "postgres":
                    // A database of its own: every transaction committed there is a queue request.
                    counter.queueDatabase = await ClusterEnvironment.NewDatabaseAsync();
                    counter.Variables["HEAVYSYNC_QUEUE"] = counter.queueDatabase;
                    break;
                case "sqs":
                    counter.sqs = await SqsServer.StartPrivateAsync();
                    counter.Variables["HEAVYSYNC_QUEUE"] = (await SqsServer.CreateQueueAsync(counter.sqs.Url, SqsServer.UniqueName("cost"))).ToString();
                    counter.Variables["AWS_ACCESS_KEY_ID"] = "AKIDHEAVYSYNCTEST";
                    counter.Variables["AWS_SECRET_ACCESS_KEY"] = "heavysync-test-secret";
                    counter.Variables["AWS_REGION"] = "us-east-1";
                    break;
                case "pubsub":
                    counter.pubsub = await PubSubTestQueues.CreateAsync();
                    var (location, _) = await counter.pubsub.CreateSubscriptionAsync(maxDeliveryAttempts: 10);
                    counter.proxy = FaultInjectingProxy.Start("http://" + counter.pubsub.Emulator.Host, FaultOptions.None);
                    counter.proxy.FaultsEnabled = false;
                    counter.Variables["HEAVYSYNC_QUEUE"] = "pubsub://" + location.SubscriptionName;
                    counter.Variables["PUBSUB_EMULATOR_HOST"] = new Uri(counter.proxy.Endpoint).Authority;
                    break;
            }

            return counter;
        }

        /// <summary>Requests the queue's server has seen so far.</summary>
        public async Task<long> CountAsync()
        {
            if (sqs is not null)
            {
                return sqs.RequestCounts.Values.Sum();
            }

            if (proxy is not null)
            {
                return proxy.Requests;
            }

            // Statistics reach pg_stat_database when a backend's transaction ends (at most once a
            // second) and when it exits; the roles have exited, so wait for the number to settle.
            var server = await PostgresServer.GetAsync();
            var database = queueDatabase!;
            var name = database[(database.LastIndexOf('/') + 1)..];
            long last = -1;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(server.Url).ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = @name", connection);
                command.Parameters.AddWithValue("name", name);
                var now = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
                if (now == last)
                {
                    return now;
                }

                last = now;
                await Task.Delay(1_100);
            }

            return last;
        }

        /// <summary>
        /// The processes' own count is what the server saw. Postgres counts transactions, not round
        /// trips: Npgsql's connection reset (DISCARD ALL, sent in the same round trip ahead of a
        /// pooled connection's next statement) is a transaction of its own, and each process's start
        /// adds its schema check and Npgsql's type loading; so at most twice the statements and a
        /// few per process.
        /// </summary>
        public void AssertAgrees(long counted, long atServer)
        {
            if (Kind == "postgres")
            {
                Assert.InRange(atServer, counted, (2 * counted) + (4 * 15));
            }
            else
            {
                Assert.Equal(counted, atServer);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            if (pubsub is not null)
            {
                await pubsub.DisposeAsync();
            }

            if (sqs is not null)
            {
                await sqs.DisposeAsync();
            }
        }
    }
}
