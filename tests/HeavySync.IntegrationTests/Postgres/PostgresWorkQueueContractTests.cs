using HeavySync.Queue;
using HeavySync.State.Postgres.Queue;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>The <see cref="IWorkQueue"/> contract on the Postgres queue: each queue its own name in one migrated schema.</summary>
public sealed class PostgresWorkQueueContractTests(PostgresQueueFixture fixture) : WorkQueueContract, IClassFixture<PostgresQueueFixture>
{
    protected override async Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration) =>
        await fixture.NewQueueAsync(new PostgresQueueOptions { LeaseDuration = leaseDuration, PollInterval = TimeSpan.FromMilliseconds(250) });

    /// <summary><see cref="PostgresQueueOptions.MaxDeliveries"/>: the row is marked dead instead of a further delivery.</summary>
    protected override async Task<IWorkQueue?> CreateDeadLetteringQueueAsync(TimeSpan leaseDuration, int maxDeliveries) =>
        await fixture.NewQueueAsync(new PostgresQueueOptions { LeaseDuration = leaseDuration, MaxDeliveries = maxDeliveries, PollInterval = TimeSpan.FromMilliseconds(250) });
}
