using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>The <see cref="IStateStore"/> contract on a real PostgreSQL: each store in its own schema.</summary>
public sealed class PostgresStateStoreContractTests(PostgresDatabaseFixture database) : StateStoreContract, IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<IStateStore> CreateStoreAsync() =>
        await PostgresStateStore.OpenAsync(await database.NewSchemaUrlAsync(), CancellationToken.None);
}
