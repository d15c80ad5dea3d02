using HeavySync.State.Postgres;
using HeavySync.State.Postgres.Queue;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>A database and one migrated schema for a queue test class; each queue gets its own name.</summary>
public sealed class PostgresQueueFixture : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();
    private int _queues;

    /// <summary>URL of the migrated schema.</summary>
    public string Url { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        Url = await _database.NewSchemaUrlAsync();
        await (await PostgresStateStore.OpenAsync(Url, CancellationToken.None)).DisposeAsync();
    }

    /// <inheritdoc />
    public Task DisposeAsync() => _database.DisposeAsync();

    /// <summary>A fresh queue name, unique in this fixture.</summary>
    public string NewQueueName() => $"q{Interlocked.Increment(ref _queues)}";

    /// <summary>A queue on its own connection pool with a fresh name (unless <paramref name="options"/> names one).</summary>
    public Task<PostgresWorkQueue> NewQueueAsync(PostgresQueueOptions options) =>
        PostgresWorkQueue.OpenAsync(Url, options.QueueName == PostgresWorkQueue.DefaultQueueName ? options with { QueueName = NewQueueName() } : options, CancellationToken.None);
}
