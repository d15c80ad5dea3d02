using System.Globalization;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    private const string MigrationResourcePrefix = "HeavySync.State.Sqlite.Migrations.";

    /// <summary>The migrations embedded in this build, by version (from the file name's leading number).</summary>
    private static readonly IReadOnlyList<(int Version, string Script)> Migrations = LoadMigrations();

    /// <summary>The schema version this build creates and understands.</summary>
    public static int LatestSchemaVersion => Migrations[^1].Version;

    /// <inheritdoc />
    public Task MigrateAsync(CancellationToken cancellationToken) =>
        UseAsync(c =>
        {
            var current = ReadSchemaVersion(c);
            if (current > LatestSchemaVersion)
            {
                throw new StateStoreException(
                    $"state file {Path} has schema version {current}, newer than this build supports ({LatestSchemaVersion}); upgrade heavysync", fatal: true);
            }

            // Versions may have gaps (migrations written in parallel land in any order): apply every
            // migration not yet recorded, oldest first, rather than only those above the highest.
            var applied = current == 0 ? [] : c.Query<int>("SELECT version FROM schema_version").ToHashSet();
            foreach (var (version, script) in Migrations)
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                using var transaction = c.BeginTransaction(deferred: false);

                // Another process may have migrated while this one waited for the write lock.
                if (c.ExecuteScalar<int>("SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }, transaction) > 0)
                {
                    continue;
                }

                c.Execute(script, transaction: transaction);
                c.Execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (@version, @now)",
                    new { version, now = Now() },
                    transaction);
                transaction.Commit();
            }

            return 0;
        }, cancellationToken);

    /// <summary>
    /// The file's schema version: 0 for an empty database (after creating the version table).
    /// </summary>
    private int ReadSchemaVersion(SqliteConnection connection)
    {
        if (!RefuseForeignDatabase(connection))
        {
            connection.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
            return 0;
        }

        return connection.ExecuteScalar<int?>("SELECT MAX(version) FROM schema_version") ?? 0;
    }

    /// <summary>
    /// Throws when the database has tables but no version table: it belongs to someone else. Returns
    /// whether the version table exists (false for an empty database).
    /// </summary>
    private bool RefuseForeignDatabase(SqliteConnection connection)
    {
        var tables = connection.Query<string>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").AsList();
        if (tables.Contains("schema_version", StringComparer.Ordinal))
        {
            return true;
        }

        return tables.Count == 0
            ? false
            : throw new StateStoreException(
                $"state file {Path} is not a HeavySync state database (it holds other tables: {string.Join(", ", tables.Take(5))})");
    }

    private static List<(int Version, string Script)> LoadMigrations()
    {
        var assembly = typeof(SqliteStateStore).Assembly;
        var migrations = new List<(int Version, string Script)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(MigrationResourcePrefix, StringComparison.Ordinal)))
        {
            var fileName = name[MigrationResourcePrefix.Length..];
            var digits = fileName[..fileName.IndexOf('_', StringComparison.Ordinal)];
            var version = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            migrations.Add((version, ReadResource(assembly, name)));
        }

        // Plain loops: LINQ over these value tuples has no precompiled code, and this runs at every start.
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        var distinct = migrations.Count > 0 && migrations[0].Version == 1;
        for (var i = 1; distinct && i < migrations.Count; i++)
        {
            distinct = migrations[i].Version != migrations[i - 1].Version;
        }

        if (!distinct)
        {
            throw new InvalidOperationException("the embedded SQLite migrations must start at 1 and have distinct numbers");
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
