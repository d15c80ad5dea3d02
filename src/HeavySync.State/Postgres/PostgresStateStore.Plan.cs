using Dapper;
using HeavySync.Planning;
using Npgsql;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    /// <summary>
    /// <see cref="Planner.Decide"/> as one SQL expression over a source row <c>s</c>, its destination
    /// row <c>d</c> (NULL columns when absent) and its ledger row <c>l</c>, rule for rule and in the
    /// same order as the planner and the SQLite store: 0 = copy, 1 = unchanged, 2 = unchanged and the
    /// ledger learns. MD5s are stored lower-case, so plain equality is the planner's case-insensitive
    /// comparison. @mode is <see cref="CompareMode"/> as a number, @tol the mtime tolerance in ticks.
    /// </summary>
    private const string DecisionSql = """
        CASE
            WHEN d.key IS NULL THEN 0
            WHEN l.key IS NOT NULL AND l.src_fp = s.fp AND l.dst_fp = d.fp THEN 1
            WHEN s.md5 IS NOT NULL AND d.md5 IS NOT NULL THEN
                CASE WHEN s.md5 = d.md5 AND s.size = d.size THEN 2 ELSE 0 END
            WHEN s.crc32c IS NOT NULL AND d.crc32c IS NOT NULL THEN
                CASE WHEN s.crc32c = d.crc32c AND s.size = d.size THEN 2 ELSE 0 END
            WHEN s.size <> d.size THEN 0
            WHEN @mode = 2 THEN 1
            WHEN @mode = 1 THEN
                CASE WHEN s.mtime_ticks IS NULL OR d.mtime_ticks IS NULL OR s.mtime_ticks - d.mtime_ticks > @tol
                     THEN 0 ELSE 1 END
            ELSE 0
        END
        """;

    // Both manifests and the ledger are keyed (…, key) in "C" order, so this is a merge join along
    // three primary keys: no sort, no hash table of a billion keys.
    private const string SourceJoinSql = """
        FROM manifest s
        LEFT JOIN manifest d ON d.run_id = s.run_id AND d.side = 1 AND d.key = s.key
        LEFT JOIN ledger l ON l.job_id = @job AND l.key = s.key
        WHERE s.run_id = @run AND s.side = 0
        """;

    private const string InsertCopyTasksSql = $"""
        INSERT INTO tasks (run_id, key, action, size, src_fp, status, attempts, updated_at, dst_exists, dst_version)
        SELECT @run, s.key, 0, s.size, s.fp, 0, 0, @now,
               CASE WHEN d.key IS NULL THEN 0 WHEN d.version IS NOT NULL THEN 1 END, d.version
        {SourceJoinSql} AND ({DecisionSql}) = 0
        ORDER BY s.key
        """;

    // Destination rows without a source row: rule 1's delete candidates, each with the version the
    // listing saw, so the delete can be refused for an object re-created since.
    private const string InsertDeleteTasksSql = """
        INSERT INTO tasks (run_id, key, action, size, src_fp, status, attempts, updated_at, dst_exists, dst_version)
        SELECT @run, d.key, 1, d.size, NULL, 0, 0, @now, CASE WHEN d.version IS NOT NULL THEN 1 END, d.version
        FROM manifest d
        WHERE d.run_id = @run AND d.side = 1
          AND NOT EXISTS (SELECT 1 FROM manifest s WHERE s.run_id = @run AND s.side = 0 AND s.key = d.key)
        ORDER BY d.key
        """;

    // Rule 3's equal hashes: the ledger learns the pair, so later runs match by rule 2. The old
    // copy and verification times described another pair, so they are cleared.
    private const string LearnLedgerSql = $"""
        INSERT INTO ledger (job_id, key, src_fp, dst_fp, md5, crc32c, copied_at, verified_at)
        SELECT @job, s.key, s.fp, d.fp, COALESCE(s.md5, d.md5), COALESCE(s.crc32c, d.crc32c), NULL, NULL
        {SourceJoinSql} AND ({DecisionSql}) = 2
        ON CONFLICT (job_id, key) DO UPDATE SET
            src_fp = excluded.src_fp, dst_fp = excluded.dst_fp, md5 = excluded.md5, crc32c = excluded.crc32c,
            copied_at = NULL, verified_at = NULL
        """;

    // Totals and the stored summary in one statement; every source key is copied or unchanged.
    private const string StoreSummarySql = """
        WITH m AS (
            SELECT COUNT(*) FILTER (WHERE side = 0) AS so, COALESCE(SUM(size) FILTER (WHERE side = 0), 0) AS sb,
                   COUNT(*) FILTER (WHERE side = 1) AS dob, COALESCE(SUM(size) FILTER (WHERE side = 1), 0) AS db
            FROM manifest WHERE run_id = @run),
        t AS (
            SELECT COUNT(*) FILTER (WHERE action = 0) AS co, COALESCE(SUM(size) FILTER (WHERE action = 0), 0) AS cb,
                   COUNT(*) FILTER (WHERE action = 1) AS de, COALESCE(SUM(size) FILTER (WHERE action = 1), 0) AS deb
            FROM tasks WHERE run_id = @run)
        UPDATE runs SET phase = @copying,
            plan_source_objects = m.so, plan_source_bytes = m.sb,
            plan_destination_objects = m.dob, plan_destination_bytes = m.db,
            plan_copy_objects = t.co, plan_copy_bytes = t.cb, plan_unchanged_objects = m.so - t.co,
            plan_delete_objects = t.de, plan_delete_bytes = t.deb
        FROM m, t WHERE runs.id = @run
        """;

    /// <inheritdoc />
    /// <remarks>Three set-based statements and the summary in one transaction, under the run's row lock.</remarks>
    public Task<PlanSummary> PlanAsync(long runId, PlanOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PlanAnalyzedAsync(runId, options, cancellationToken);
    }

    private async Task<PlanSummary> PlanAnalyzedAsync(long runId, PlanOptions options, CancellationToken cancellationToken)
    {
        // Fresh statistics first, in their own short transaction: a manifest just filled by COPY looks
        // empty to the planner until autovacuum catches up, and a join planned for "empty" tables runs
        // for hours on real ones. (Inside the plan transaction the lock ANALYZE takes would serialise
        // the plans of all jobs.)
        await UseAsync(c => c.ExecuteAsync(new CommandDefinition("ANALYZE manifest; ANALYZE ledger", commandTimeout: 0, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        return await InTransactionAsync(async (c, t) =>
        {
            var run = await ReadRunAsync(c, t, runId, true, cancellationToken).ConfigureAwait(false);
            if (run.Plan is { } stored)
            {
                return stored;
            }

            if (!run.SourceListed || !run.DestinationListed)
            {
                throw new StateStoreException(
                    $"run {runId} cannot be planned: the {(run.SourceListed ? "destination" : "source")} listing is not complete");
            }

            if (run.Phase != RunPhase.Listing)
            {
                throw new StateStoreException($"run {runId} cannot be planned in phase {run.Phase}");
            }

            var parameters = new
            {
                run = runId,
                job = run.JobId,
                mode = (long)options.Mode,
                tol = options.MtimeTolerance.Ticks,
                now = Now(),
                copying = (short)RunPhase.Copying,
            };
            await ExecuteLongAsync(c, t, InsertCopyTasksSql, parameters, cancellationToken).ConfigureAwait(false);
            await ExecuteLongAsync(c, t, InsertDeleteTasksSql, parameters, cancellationToken).ConfigureAwait(false);
            await ExecuteLongAsync(c, t, LearnLedgerSql, parameters, cancellationToken).ConfigureAwait(false);
            await ExecuteLongAsync(c, t, StoreSummarySql, parameters, cancellationToken).ConfigureAwait(false);
            return (await ReadRunAsync(c, t, runId, false, cancellationToken).ConfigureAwait(false)).Plan!;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A statement without Npgsql's default 30 s command timeout: a plan over a billion rows takes what it takes.</summary>
    private static Task<int> ExecuteLongAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object parameters, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, commandTimeout: 0, cancellationToken: cancellationToken));
}
