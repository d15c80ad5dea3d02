using System.Globalization;
using System.Reflection;
using Dapper;
using Npgsql;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    private const string MigrationResourcePrefix = "HeavySync.State.Postgres.Migrations.";

    /// <summary>Advisory lock key (two int4) serialising migrators: "HS" and "migr".</summary>
    private const int MigrationLockClass = 0x4853_0000;
    private const int MigrationLockObject = 0x6D69_6772;

    private static readonly IReadOnlyList<(int Version, string Script)> Migrations = LoadMigrations();

    /// <summary>The schema version this build creates and understands.</summary>
    public static int LatestSchemaVersion => Migrations[^1].Version;

    /// <inheritdoc />
    /// <remarks>
    /// One transaction under a transaction-scoped advisory lock: any number of roles may start and
    /// migrate at once; one applies the scripts, the others wait and then find nothing to do. A
    /// migration that fails rolls back whole. A newer schema is refused with
    /// "state schema is version N, this heavysync knows up to M: upgrade heavysync".
    /// </remarks>
    public Task MigrateAsync(CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync("SELECT pg_advisory_xact_lock(@cls, @obj)", new { cls = MigrationLockClass, obj = MigrationLockObject, cancellationToken }, t).ConfigureAwait(false);
            if (OwnSchema(Settings.SearchPath) is { } schema)
            {
                await ExecuteBuiltAsync(c, t, $"CREATE SCHEMA IF NOT EXISTS \"{schema}\"", cancellationToken).ConfigureAwait(false);
            }

            await ExecuteBuiltAsync(
                c, t, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
            var current = await ReadVersionAsync(c, t, cancellationToken).ConfigureAwait(false);
            RefuseNewer(current);
            foreach (var (version, script) in Migrations.Where(m => m.Version > current))
            {
                await ExecuteBuiltAsync(c, t, script, cancellationToken).ConfigureAwait(false);
                await c.ExecuteAsync("INSERT INTO schema_version (version) VALUES (@version)", new { version, cancellationToken }, t).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken);

    /// <summary>
    /// The database's schema version and this build's, without changing anything. Throws
    /// <see cref="StateStoreException"/> when the database cannot be reached.
    /// </summary>
    public Task<SchemaStatus> GetSchemaStatusAsync(CancellationToken cancellationToken) =>
        UseAsync(async c =>
        {
            await using var probe = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", c);
            var exists = await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
            var current = exists ? await ReadVersionAsync(c, null, cancellationToken).ConfigureAwait(false) : 0;
            return new SchemaStatus(current, LatestSchemaVersion);
        }, cancellationToken);

    /// <summary>
    /// The schema a search_path of one plain name asks for (?search_path=heavysync): created by the
    /// migration, so a dedicated schema needs no manual step. Null for anything else (the default
    /// path, lists, quoted names), which is used as the server resolves it.
    /// </summary>
    private static string? OwnSchema(string? searchPath) =>
        searchPath is { Length: > 0 and <= 63 } path
        && path.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')
        && path is not "public" && !char.IsDigit(path[0])
            ? path
            : null;

    /// <summary>Throws the one-line refusal when <paramref name="current"/> is newer than this build.</summary>
    private static void RefuseNewer(int current)
    {
        if (current > LatestSchemaVersion)
        {
            throw new StateStoreException(
                $"state schema is version {current}, this heavysync knows up to {LatestSchemaVersion}: upgrade heavysync", fatal: true);
        }
    }

    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand("SELECT MAX(version) FROM schema_version", connection, transaction);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int version ? version : 0;
    }

    private static List<(int Version, string Script)> LoadMigrations()
    {
        var assembly = typeof(PostgresStateStore).Assembly;
        var migrations = new List<(int Version, string Script)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(MigrationResourcePrefix, StringComparison.Ordinal)))
        {
            var fileName = name[MigrationResourcePrefix.Length..];
            var digits = fileName[..fileName.IndexOf('_', StringComparison.Ordinal)];
            migrations.Add((int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture), ReadResource(assembly, name)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (migrations.Count == 0 || migrations.Select((m, i) => m.Version != i + 1).Any(gap => gap))
        {
            throw new InvalidOperationException("the embedded Postgres migrations must be numbered 1, 2, 3... without gaps");
        }

        return migrations;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
