using HeavySync.IntegrationTests.Servers;
using Npgsql;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>
/// A fresh database on the shared test server for one test class (dropped afterwards); each store a
/// test opens gets its own schema in it (<see cref="NewSchemaUrlAsync"/>), so tests never see each
/// other's rows.
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private int _schemas;

    /// <summary>postgres:// URL of this class's database.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The database's name.</summary>
    public string Database { get; } = "hs_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The shared server.</summary>
    public PostgresServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Server = await PostgresServer.GetAsync();
        await AdminAsync($"CREATE DATABASE {Database}");
        Url = Server.UrlFor(Database);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => AdminAsync($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)");

    /// <summary>A URL whose search_path is a new, empty schema of this database.</summary>
    public async Task<string> NewSchemaUrlAsync()
    {
        var schema = $"s{Interlocked.Increment(ref _schemas)}";
        await ExecuteAsync(Url, $"CREATE SCHEMA {schema}");
        return $"{Url}?search_path={schema}";
    }

    /// <summary>Runs one statement on the database at <paramref name="url"/>.</summary>
    public static async Task ExecuteAsync(string url, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(HeavySync.State.Postgres.PostgresConnectionString.Parse(url));
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One value from the database at <paramref name="url"/>.</summary>
    public static async Task<object?> ScalarAsync(string url, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(HeavySync.State.Postgres.PostgresConnectionString.Parse(url));
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private Task AdminAsync(string sql) => ExecuteAsync(Server.UrlFor("postgres"), sql);
}
