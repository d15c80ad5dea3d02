using Dapper;
using HeavySync.Planning;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <summary>
    /// <see cref="Planner.Decide"/> as one SQL expression over a source row <c>s</c>, its destination
    /// row <c>d</c> (NULL columns when absent) and its ledger row <c>l</c>, rule for rule and in the
    /// same order: 0 = copy, 1 = unchanged, 2 = unchanged and the ledger learns. MD5s are stored
    /// lower-case, so plain equality is the planner's case-insensitive comparison. @mode is
    /// <see cref="CompareMode"/> as a number, @tol the mtime tolerance in ticks.
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

    private const string SummarySql = """
        SELECT
            (SELECT COUNT(*) FROM manifest WHERE run_id = @run AND side = 0) AS SourceObjects,
            (SELECT COALESCE(SUM(size), 0) FROM manifest WHERE run_id = @run AND side = 0) AS SourceBytes,
            (SELECT COUNT(*) FROM manifest WHERE run_id = @run AND side = 1) AS DestinationObjects,
            (SELECT COALESCE(SUM(size), 0) FROM manifest WHERE run_id = @run AND side = 1) AS DestinationBytes,
            (SELECT COUNT(*) FROM tasks WHERE run_id = @run AND action = 0) AS CopyObjects,
            (SELECT COALESCE(SUM(size), 0) FROM tasks WHERE run_id = @run AND action = 0) AS CopyBytes,
            (SELECT COUNT(*) FROM tasks WHERE run_id = @run AND action = 1) AS DeleteObjects,
            (SELECT COALESCE(SUM(size), 0) FROM tasks WHERE run_id = @run AND action = 1) AS DeleteBytes
        """;

    /// <inheritdoc />
    public Task<PlanSummary> PlanAsync(long runId, PlanOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return InTransactionAsync((c, t) =>
        {
            var run = ReadRun(c, t, runId);
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
            };
            c.Execute(InsertCopyTasksSql, parameters, t);
            c.Execute(InsertDeleteTasksSql, parameters, t);
            c.Execute(LearnLedgerSql, parameters, t);
            var summary = ReadSummary(c, t, runId);
            StoreSummary(c, t, runId, summary);
            return summary;
        }, cancellationToken);
    }

    private static PlanSummary ReadSummary(SqliteConnection connection, SqliteTransaction transaction, long runId)
    {
        var totals = connection.QuerySingle<PlanTotalsRow>(SummarySql, new { run = runId }, transaction);

        // Every source key is copied or unchanged (rules 1-5 give nothing else for it).
        return new PlanSummary
        {
            SourceObjects = totals.SourceObjects,
            SourceBytes = totals.SourceBytes,
            DestinationObjects = totals.DestinationObjects,
            DestinationBytes = totals.DestinationBytes,
            CopyObjects = totals.CopyObjects,
            CopyBytes = totals.CopyBytes,
            UnchangedObjects = totals.SourceObjects - totals.CopyObjects,
            DeleteObjects = totals.DeleteObjects,
            DeleteBytes = totals.DeleteBytes,
        };
    }

    private static void StoreSummary(SqliteConnection connection, SqliteTransaction transaction, long runId, PlanSummary summary) =>
        connection.Execute(
            """
            UPDATE runs SET phase = @phase,
                plan_source_objects = @SourceObjects, plan_source_bytes = @SourceBytes,
                plan_destination_objects = @DestinationObjects, plan_destination_bytes = @DestinationBytes,
                plan_copy_objects = @CopyObjects, plan_copy_bytes = @CopyBytes,
                plan_unchanged_objects = @UnchangedObjects,
                plan_delete_objects = @DeleteObjects, plan_delete_bytes = @DeleteBytes
            WHERE id = @runId
            """,
            new
            {
                runId,
                phase = (long)RunPhase.Copying,
                summary.SourceObjects,
                summary.SourceBytes,
                summary.DestinationObjects,
                summary.DestinationBytes,
                summary.CopyObjects,
                summary.CopyBytes,
                summary.UnchangedObjects,
                summary.DeleteObjects,
                summary.DeleteBytes,
            },
            transaction);

    internal sealed class PlanTotalsRow
    {
        public long SourceObjects { get; set; }
        public long SourceBytes { get; set; }
        public long DestinationObjects { get; set; }
        public long DestinationBytes { get; set; }
        public long CopyObjects { get; set; }
        public long CopyBytes { get; set; }
        public long DeleteObjects { get; set; }
        public long DeleteBytes { get; set; }
    }
}
