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

    // The whole plan is one statement over one join, so the three tables are read once:
    //  * x: every key of either listing with its decision (3 = destination only). The source joins
    //    the ledger first and the destination last, as a FULL JOIN, so keys of both sides meet once.
    //  * j: the decisions, keeping only the columns a later step needs (an unchanged key keeps just
    //    its sizes, for the totals); referenced three times, it is materialized once.
    //  * copy tasks in key order, then delete candidates in key order (ids in that order, as the
    //    publisher and finalizer page by id); rule 3's equal hashes teach the ledger (the old copy
    //    and verification times described another pair, so they are cleared); the totals go on
    //    the run. Each task carries what the destination listing saw at its key (absent, or the
    //    version listed), so its write or delete can be conditional on it. Data-modifying CTEs run
    //    to completion even when nothing reads them.
    // Reading the tables once instead of in four statements (copy join, delete anti-join, ledger
    // join, totals scan) cut the plan's server CPU by 20-35% in bench/plan-bench.sh (docs/benchmarks.md).
    // Each input is an ordered subquery, so the joins are merge joins along the primary keys (DESIGN.md
    // §9): index range scans read only this run's rows in key order. Without the ORDER BY the planner
    // hashed both sides after scanning the whole manifest table (every kept run, both sides, twice)
    // and spilled the hash tables to temporary files once they outgrew work_mem.
    private const string PlanSql = $"""
        WITH j AS MATERIALIZED (
            SELECT x.decision, x.s_size, x.d_size,
                   CASE WHEN x.decision <> 1 THEN x.key END AS key,
                   CASE WHEN x.decision IN (0, 2) THEN x.s_fp END AS s_fp,
                   CASE WHEN x.decision = 2 THEN x.d_fp END AS d_fp,
                   CASE WHEN x.decision = 2 THEN x.md5 END AS md5,
                   CASE WHEN x.decision = 2 THEN x.crc32c END AS crc32c,
                   CASE WHEN x.decision IN (0, 3) THEN x.d_version END AS d_version,
                   x.d_absent
            FROM (
                SELECT COALESCE(s.key, d.key) AS key, s.size AS s_size, d.size AS d_size, s.fp AS s_fp, d.fp AS d_fp,
                       COALESCE(s.md5, d.md5) AS md5, COALESCE(s.crc32c, d.crc32c) AS crc32c,
                       d.version AS d_version, d.key IS NULL AS d_absent,
                       CASE WHEN s.key IS NULL THEN 3 ELSE {DecisionSql} END AS decision
                FROM (SELECT * FROM manifest WHERE run_id = @run AND side = 0 ORDER BY key) s
                LEFT JOIN (SELECT * FROM ledger WHERE job_id = @job ORDER BY key) l ON l.key = s.key
                FULL JOIN (SELECT * FROM manifest WHERE run_id = @run AND side = 1 ORDER BY key) d ON d.key = s.key) x),
        copies_then_deletes AS (
            INSERT INTO tasks (run_id, key, action, size, src_fp, status, attempts, updated_at, dst_exists, dst_version)
            SELECT @run, key, CASE WHEN decision = 0 THEN 0 ELSE 1 END, COALESCE(s_size, d_size), s_fp, 0, 0, @now,
                   CASE WHEN d_absent THEN 0 WHEN d_version IS NOT NULL THEN 1 END, d_version
            FROM j WHERE decision IN (0, 3)
            ORDER BY decision, key),
        learned AS (
            INSERT INTO ledger (job_id, key, src_fp, dst_fp, md5, crc32c, copied_at, verified_at)
            SELECT @job, key, s_fp, d_fp, md5, crc32c, NULL, NULL
            FROM j WHERE decision = 2
            ON CONFLICT (job_id, key) DO UPDATE SET
                src_fp = excluded.src_fp, dst_fp = excluded.dst_fp, md5 = excluded.md5, crc32c = excluded.crc32c,
                copied_at = NULL, verified_at = NULL),
        m AS (
            SELECT COUNT(s_size) AS so, COALESCE(SUM(s_size), 0) AS sb, COUNT(d_size) AS dob, COALESCE(SUM(d_size), 0) AS db,
                   COUNT(*) FILTER (WHERE decision = 0) AS co, COALESCE(SUM(s_size) FILTER (WHERE decision = 0), 0) AS cb,
                   COUNT(*) FILTER (WHERE decision = 3) AS de, COALESCE(SUM(d_size) FILTER (WHERE decision = 3), 0) AS deb
            FROM j)
        UPDATE runs SET phase = @copying,
            plan_source_objects = m.so, plan_source_bytes = m.sb,
            plan_destination_objects = m.dob, plan_destination_bytes = m.db,
            plan_copy_objects = m.co, plan_copy_bytes = m.cb, plan_unchanged_objects = m.so - m.co,
            plan_delete_objects = m.de, plan_delete_bytes = m.deb
        FROM m WHERE runs.id = @run
        """;

    /// <inheritdoc />
    /// <remarks>One set-based statement (tasks, ledger learning and the summary) in one transaction, under the run's row lock.</remarks>
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
        await UseAsync(async c =>
        {
            await using var analyze = new NpgsqlCommand("ANALYZE manifest; ANALYZE ledger", c) { CommandTimeout = 0 };
            return await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
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
                cancellationToken,
            };

            // Without Npgsql's default 30 s command timeout: a plan over a billion rows takes what it takes.
            await c.ExecuteAsync(PlanSql, parameters, t, commandTimeout: 0).ConfigureAwait(false);
            return (await ReadRunAsync(c, t, runId, false, cancellationToken).ConfigureAwait(false)).Plan!;
        }, cancellationToken).ConfigureAwait(false);
    }
}
