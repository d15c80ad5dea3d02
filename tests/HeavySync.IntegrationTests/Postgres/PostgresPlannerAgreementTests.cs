using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>The Postgres plan agrees with the pure planner (<see cref="PlannerSqlAgreementContract"/>).</summary>
public sealed class PostgresPlannerAgreementTests(PostgresDatabaseFixture database) : PlannerSqlAgreementContract, IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<IStateStore> CreateStoreAsync(int seed) =>
        await PostgresStateStore.OpenAsync(await database.NewSchemaUrlAsync(), CancellationToken.None);
}
