using Dapper;
using HeavySync.Planning;
using HeavySync.Storage;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    private const string InsertManifestSql =
        "INSERT OR REPLACE INTO manifest (run_id, side, key, size, etag, md5, crc32c, mtime_ticks, version, fp) " +
        "VALUES ($run, $side, $key, $size, $etag, $md5, $crc, $mtime, $version, $fp)";

    /// <inheritdoc />
    public Task AddManifestBatchAsync(long runId, StoreSide side, IReadOnlyList<ObjectEntry> entries, string? resumeAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return InTransactionAsync((c, t) =>
        {
            var run = ReadRun(c, t, runId);
            if (side == StoreSide.Source ? run.SourceListed : run.DestinationListed)
            {
                throw new StateStoreException($"the {SideName(side)} listing of run {runId} is complete; it takes no more rows");
            }

            InsertManifestRows(c, t, runId, side, entries);
            if (resumeAfter is not null)
            {
                c.Execute(
                    $"UPDATE runs SET {SideColumn(side)}_resume_after = @resumeAfter WHERE id = @runId",
                    new { runId, resumeAfter },
                    t);
            }

            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task ResetListingAsync(long runId, StoreSide side, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            ReadRun(c, t, runId);
            c.Execute("DELETE FROM manifest WHERE run_id = @runId AND side = @side", new { runId, side = (long)side }, t);
            c.Execute(
                $"UPDATE runs SET {SideColumn(side)}_resume_after = NULL, {SideColumn(side)}_listed = 0 WHERE id = @runId",
                new { runId },
                t);
            return 0;
        }, cancellationToken);

    /// <inheritdoc />
    public Task MarkListingCompleteAsync(long runId, StoreSide side, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            ReadRun(c, t, runId);

            // A complete listing has nothing to resume: the resume point is only for unfinished ones.
            c.Execute(
                $"UPDATE runs SET {SideColumn(side)}_listed = 1, {SideColumn(side)}_resume_after = NULL WHERE id = @runId",
                new { runId },
                t);
            return 0;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<long> CountManifestAsync(long runId, StoreSide side, CancellationToken cancellationToken) =>
        UseAsync(c => c.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM manifest WHERE run_id = @runId AND side = @side", new { runId, side = (long)side }),
            cancellationToken);

    /// <summary>Inserts rows through one prepared statement, re-bound per row (no per-row parse).</summary>
    private static void InsertManifestRows(SqliteConnection connection, SqliteTransaction transaction, long runId, StoreSide side, IReadOnlyList<ObjectEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertManifestSql;
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$side", (long)side);
        var key = command.Parameters.Add("$key", SqliteType.Text);
        var size = command.Parameters.Add("$size", SqliteType.Integer);
        var etag = command.Parameters.Add("$etag", SqliteType.Text);
        var md5 = command.Parameters.Add("$md5", SqliteType.Text);
        var crc = command.Parameters.Add("$crc", SqliteType.Integer);
        var mtime = command.Parameters.Add("$mtime", SqliteType.Integer);
        var version = command.Parameters.Add("$version", SqliteType.Text);
        var fp = command.Parameters.Add("$fp", SqliteType.Text);
        command.Prepare();

        foreach (var entry in entries)
        {
            key.Value = entry.Key;
            size.Value = entry.Size;
            etag.Value = (object?)entry.ETag ?? DBNull.Value;

            // Stored lower-case so the plan compares MD5s with plain equality (rule 3 ignores case).
            md5.Value = (object?)entry.Md5?.ToLowerInvariant() ?? DBNull.Value;
            crc.Value = entry.Crc32c is { } c ? (long)c : DBNull.Value;
            mtime.Value = entry.LastModified is { } m ? Fingerprint.UnixTicks(m) : DBNull.Value;
            version.Value = (object?)entry.Version ?? DBNull.Value;
            fp.Value = Fingerprint.Of(entry);
            command.ExecuteNonQuery();
        }
    }

    private static string SideColumn(StoreSide side) => side switch
    {
        StoreSide.Source => "source",
        StoreSide.Destination => "destination",
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "unknown side"),
    };

    private static string SideName(StoreSide side) => side == StoreSide.Source ? "source" : "destination";
}
