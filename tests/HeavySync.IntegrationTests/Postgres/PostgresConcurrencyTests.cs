using HeavySync.Planning;
using HeavySync.State;
using HeavySync.State.Postgres;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>Several roles on one database at once, each with its own connection pool, as in a cluster.</summary>
public sealed class PostgresConcurrencyTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task CreateRun_TwoStoresAtOnce_NumbersStayDense()
    {
        var url = await database.NewSchemaUrlAsync();
        await using var first = await PostgresStateStore.OpenAsync(url, CancellationToken.None);
        await using var second = await PostgresStateStore.OpenAsync(url, CancellationToken.None);
        var job = await first.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);

        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 50; i++) { await first.CreateRunAsync(job.Id, CancellationToken.None); } }),
            Task.Run(async () => { for (var i = 0; i < 50; i++) { await second.CreateRunAsync(job.Id, CancellationToken.None); } }));

        var runs = await first.ListRunsAsync(job.Id, 1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 100).Reverse(), runs.Select(r => r.Number));
    }

    [Fact]
    public async Task CompleteTasks_FourCopiersRaceOnSameTasks_EachTaskKeepsExactlyOneOutcome()
    {
        const int keys = 2000;
        var url = await database.NewSchemaUrlAsync();
        var stores = new List<PostgresStateStore>();
        for (var i = 0; i < 4; i++)
        {
            stores.Add(await PostgresStateStore.OpenAsync(url, CancellationToken.None));
        }

        try
        {
            var job = await stores[0].GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
            var run = await ListedRunAsync(stores[0], job, Enumerable.Range(0, keys).Select(i => Entry($"k{i:D5}", 1)), []);
            await stores[0].PlanAsync(run.Id, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);
            var tasks = await AllTasksAsync(stores[0], run.Id, TaskAction.Copy, WorkTaskStatus.Pending);

            // Every copier reports every task (as redelivered messages would), in batches of 100 whose
            // order each copier shuffles, each with its own
            // fingerprint; copier 3 reports failures.
            await Task.WhenAll(stores.Select((store, copier) => Task.Run(async () =>
            {
                var random = new Random(copier);
                foreach (var chunk in tasks.Chunk(100))
                {
                    await store.CompleteTasksAsync(run.Id, [.. chunk.OrderBy(_ => random.Next()).Select(t => copier == 3
                        ? new TaskOutcome(t.Id, WorkTaskStatus.Failed, null, "copier 3")
                        : new TaskOutcome(t.Id, WorkTaskStatus.Done, new LedgerEntry(t.Key, $"src-{copier}", $"dst-{copier}"), null))], CancellationToken.None);
                }
            })));

            var done = await AllTasksAsync(stores[0], run.Id, TaskAction.Copy, WorkTaskStatus.Done);
            var failed = await AllTasksAsync(stores[0], run.Id, TaskAction.Copy, WorkTaskStatus.Failed);
            Assert.Equal(keys, done.Count + failed.Count);
            Assert.All(done.Concat(failed), t => Assert.Equal(1, t.Attempts));
            foreach (var task in done.Take(200))
            {
                // The ledger row belongs to the copier whose outcome won, never a mix.
                var ledger = await stores[1].GetLedgerAsync(job.Id, task.Key, CancellationToken.None);
                Assert.NotNull(ledger);
                Assert.Equal(ledger.SourceFingerprint.Replace("src-", "dst-", StringComparison.Ordinal), ledger.DestinationFingerprint);
            }

            foreach (var task in failed.Take(200))
            {
                Assert.Null(await stores[2].GetLedgerAsync(job.Id, task.Key, CancellationToken.None));
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }
}
