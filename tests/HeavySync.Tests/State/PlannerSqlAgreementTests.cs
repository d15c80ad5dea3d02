using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Tests.Contracts;

namespace HeavySync.Tests.State;

/// <summary>The SQLite plan agrees with the pure planner (<see cref="PlannerSqlAgreementContract"/>).</summary>
public sealed class PlannerSqlAgreementTests : PlannerSqlAgreementContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("heavysync-agree-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    protected override async Task<IStateStore> CreateStoreAsync(int seed) =>
        await SqliteStateStore.OpenAsync(Path.Combine(_directory, $"{seed}.db"), CancellationToken.None);
}
