using System.Buffers;
using Dapper;
using HeavySync.Planning;
using HeavySync.Storage;
using Npgsql;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    // The staging table lives for one transaction; the merge replaces rows of the same key, so a
    // repeated batch (a lister killed after commit, before it saw the commit) is harmless. DISTINCT ON
    // keeps one row per key even if a batch repeats a key within itself (ON CONFLICT forbids touching
    // a row twice in one statement): the batch's last row of a key wins, as in SQLite.
    private const string CreateStageSql =
        "CREATE TEMP TABLE manifest_stage (ord integer NOT NULL, key text COLLATE \"C\" NOT NULL, size bigint NOT NULL, etag text, md5 text, " +
        "crc32c bigint, mtime_ticks bigint, version text, fp text NOT NULL) ON COMMIT DROP";

    private const string CopyStageSql =
        "COPY manifest_stage (ord, key, size, etag, md5, crc32c, mtime_ticks, version, fp) FROM STDIN (FORMAT BINARY)";

    private const string CopyDirectSql =
        "COPY manifest (run_id, side, key, size, etag, md5, crc32c, mtime_ticks, version, fp) FROM STDIN (FORMAT BINARY)";

    private const string MergeStageSql = """
        INSERT INTO manifest (run_id, side, key, size, etag, md5, crc32c, mtime_ticks, version, fp)
        SELECT DISTINCT ON (key) @runId, @side, key, size, etag, md5, crc32c, mtime_ticks, version, fp
        FROM manifest_stage ORDER BY key, ord DESC
        ON CONFLICT (run_id, side, key) DO UPDATE SET
            size = excluded.size, etag = excluded.etag, md5 = excluded.md5, crc32c = excluded.crc32c,
            mtime_ticks = excluded.mtime_ticks, version = excluded.version, fp = excluded.fp
        """;

    /// <inheritdoc />
    /// <remarks>
    /// One transaction of three statements: binary COPY straight into the manifest, one UPDATE that
    /// checks the listing is still open and saves the resume point, COMMIT. The run's row is locked
    /// only from that UPDATE to the commit, so the source and destination listings of a run copy at
    /// the same time instead of queueing behind each other's COPY. A batch repeating
    /// stored keys (a lister resumed after a crash) fails the COPY on the primary key; that
    /// transaction is rolled back and the batch merged through a staging table in a new one.
    /// </remarks>
    public Task AddManifestBatchAsync(long runId, StoreSide side, IReadOnlyList<ObjectEntry> entries, string? resumeAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var column = SideColumn(side);
        return UseAsync(async c =>
        {
            var transaction = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (entries.Count > 0)
                {
                    try
                    {
                        await CopyRowsAsync(c, CopyDirectSql, (runId, (short)side), entries, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        await transaction.DisposeAsync().ConfigureAwait(false);
                        transaction = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                        await MergeThroughStageAsync(c, transaction, runId, side, entries, cancellationToken).ConfigureAwait(false);
                    }
                }

                // Last, so the run's row lock is held only from here to the commit. A listing
                // completed meanwhile takes no more rows: this fails and the COPY is rolled back.
                var open = await ExecuteBuiltAsync(
                    c, transaction, $"UPDATE runs SET {column}_resume_after = COALESCE(@resumeAfter, {column}_resume_after) WHERE id = @runId AND NOT {column}_listed",
                    cancellationToken, new NpgsqlParameter("runId", runId), new NpgsqlParameter("resumeAfter", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)resumeAfter ?? DBNull.Value }).ConfigureAwait(false);
                if (open == 0)
                {
                    var run = await ReadRunAsync(c, transaction, runId, false, cancellationToken).ConfigureAwait(false);
                    throw new StateStoreException($"the {SideName(side)} listing of run {run.Id} is complete; it takes no more rows");
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task ResetListingAsync(long runId, StoreSide side, CancellationToken cancellationToken)
    {
        var column = SideColumn(side);
        return InTransactionAsync(async (c, t) =>
        {
            await ReadRunAsync(c, t, runId, true, cancellationToken).ConfigureAwait(false);
            await c.ExecuteAsync("DELETE FROM manifest WHERE run_id = @runId AND side = @side", new { runId, side = (short)side, cancellationToken }, t).ConfigureAwait(false);
            await ExecuteBuiltAsync(c, t, $"UPDATE runs SET {column}_resume_after = NULL, {column}_listed = false WHERE id = @runId", cancellationToken, new NpgsqlParameter("runId", runId)).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task MarkListingCompleteAsync(long runId, StoreSide side, CancellationToken cancellationToken)
    {
        var column = SideColumn(side);
        return InTransactionAsync(async (c, t) =>
        {
            await ReadRunAsync(c, t, runId, true, cancellationToken).ConfigureAwait(false);

            // A complete listing has nothing to resume: the resume point is only for unfinished ones.
            await ExecuteBuiltAsync(c, t, $"UPDATE runs SET {column}_listed = true, {column}_resume_after = NULL WHERE id = @runId", cancellationToken, new NpgsqlParameter("runId", runId)).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountManifestAsync(long runId, StoreSide side, CancellationToken cancellationToken) =>
        UseAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM manifest WHERE run_id = @runId AND side = @side", new { runId, side = (short)side, cancellationToken }, null),
            cancellationToken);

    /// <summary>
    /// A batch that repeats stored keys: COPY into a staging table, then one merge that replaces the
    /// stored rows. Slower than the direct COPY, so only for the batch a resumed lister repeats.
    /// </summary>
    private static async Task MergeThroughStageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long runId, StoreSide side, IReadOnlyList<ObjectEntry> entries, CancellationToken cancellationToken)
    {
        await ExecuteBuiltAsync(connection, transaction, CreateStageSql, cancellationToken).ConfigureAwait(false);
        await CopyRowsAsync(connection, CopyStageSql, null, entries, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(MergeStageSql, new { runId, side = (short)side, cancellationToken }, transaction).ConfigureAwait(false);
    }

    /// <summary>Binary COPY of the entries, led by (run, side) columns when <paramref name="runSide"/> is
    /// given, else by each entry's position in the batch (the staging table's ord).</summary>
    private static async Task CopyRowsAsync(NpgsqlConnection connection, string copySql, (long Run, short Side)? runSide, IReadOnlyList<ObjectEntry> entries, CancellationToken cancellationToken)
    {
        using var rows = new BinaryCopyBuffer();
        var fingerprint = ArrayPool<char>.Shared.Rent(256);
        var stream = await connection.BeginRawBinaryCopyAsync(copySql, cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                if (runSide is var (run, side))
                {
                    rows.StartRow(10);
                    rows.WriteInt64(run);
                    rows.WriteInt16(side);
                }
                else
                {
                    rows.StartRow(9);
                    rows.WriteInt32(i);
                }

                rows.WriteText(entry.Key);
                rows.WriteInt64(entry.Size);
                rows.WriteText(entry.ETag);

                // Stored lower-case so the plan compares MD5s with plain equality (rule 3 ignores case).
                rows.WriteLowerText(entry.Md5);
                rows.WriteInt64(entry.Crc32c);
                rows.WriteInt64(entry.LastModified is { } m ? Fingerprint.UnixTicks(m) : null);
                rows.WriteText(entry.Version);
                if (Fingerprint.MaxLength(entry) > fingerprint.Length)
                {
                    ArrayPool<char>.Shared.Return(fingerprint);
                    fingerprint = ArrayPool<char>.Shared.Rent(Fingerprint.MaxLength(entry));
                }

                rows.WriteText(fingerprint.AsSpan(0, Fingerprint.Format(entry, fingerprint)));
                if (rows.ShouldFlush)
                {
                    await rows.FlushAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }

            rows.WriteTrailer();
            await rows.FlushAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Disposing a raw COPY stream completes the COPY: end it without its rows instead.
            await CancelQuietlyAsync(stream).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(fingerprint);
        }

        // Completes the COPY; the server's verdict (a duplicate key, a closed listing) surfaces here.
        await stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Cancels a COPY that failed on this side; its own failure (a broken connection) adds nothing to the first one.</summary>
    private static async Task CancelQuietlyAsync(NpgsqlRawCopyStream stream)
    {
        try
        {
            await stream.CancelAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is broken; disposing it (UseAsync) cleans up.
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
