using Dapper;
using HeavySync.Planning;
using HeavySync.State.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    // One statement per batch of outcomes (one round trip): the outcomes arrive as parallel arrays;
    // only a pending task takes an outcome (a redelivered message cannot overwrite the first), the
    // first outcome of a task within the batch wins, and the ledger follows in the same statement.
    // Rows are locked in id order first, so copiers racing on overlapping batches (redeliveries)
    // queue behind each other instead of deadlocking; a task finished meanwhile drops out.
    private const string CompleteTasksSql = """
        WITH o AS (
            SELECT DISTINCT ON (id) id, status, error, src_fp, dst_fp, md5, crc32c, verified_at
            FROM unnest(@ids, @statuses, @errors, @srcFps, @dstFps, @md5s, @crcs, @verifiedAts) WITH ORDINALITY
                 AS u (id, status, error, src_fp, dst_fp, md5, crc32c, verified_at, ord)
            ORDER BY id, ord),
        r AS (SELECT job_id FROM runs WHERE id = @runId),
        locked AS (
            SELECT t.id FROM tasks t JOIN o ON o.id = t.id
            WHERE t.run_id = @runId AND t.status = 0
            ORDER BY t.id
            FOR UPDATE OF t),
        fin AS (
            UPDATE tasks t SET status = o.status, attempts = t.attempts + 1, error = o.error, updated_at = @now
            FROM locked JOIN o ON o.id = locked.id
            WHERE t.id = locked.id AND t.status = 0
            RETURNING t.key, t.action, o.status AS outcome, o.src_fp, o.dst_fp, o.md5, o.crc32c, o.verified_at),
        removed AS (
            DELETE FROM ledger l USING fin, r
            WHERE fin.outcome = 1 AND fin.action = 1 AND l.job_id = r.job_id AND l.key = fin.key),
        upserted AS (
            INSERT INTO ledger (job_id, key, src_fp, dst_fp, md5, crc32c, copied_at, verified_at)
            SELECT r.job_id, fin.key, fin.src_fp, fin.dst_fp, fin.md5, fin.crc32c, @now, fin.verified_at
            FROM fin, r WHERE fin.outcome = 1 AND fin.action = 0 AND fin.src_fp IS NOT NULL
            ON CONFLICT (job_id, key) DO UPDATE SET
                src_fp = excluded.src_fp, dst_fp = excluded.dst_fp, md5 = excluded.md5, crc32c = excluded.crc32c,
                copied_at = excluded.copied_at, verified_at = excluded.verified_at)
        SELECT job_id FROM r
        """;

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long runId, TaskAction action, WorkTaskStatus status, long afterId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return UseAsync<IReadOnlyList<TaskRecord>>(async c => (await c.QueryAsync<TaskRow>(
            $"SELECT {PostgresRows.TaskColumns} FROM tasks " +
            "WHERE run_id = @runId AND action = @action AND status = @status AND id > @afterId ORDER BY id LIMIT @limit",
            new { runId, action = (short)action, status = (short)status, afterId, limit, cancellationToken }, null).ConfigureAwait(false))
            .Select(r => r.ToRecord()).ToList(), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The whole batch in one statement and one round trip, however many outcomes it holds.</remarks>
    public Task CompleteTasksAsync(long runId, IReadOnlyList<TaskOutcome> outcomes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var outcome in outcomes)
        {
            if (outcome.Status == WorkTaskStatus.Pending)
            {
                throw new ArgumentException($"task {outcome.TaskId}: an outcome cannot be Pending", nameof(outcomes));
            }
        }

        return UseAsync(async c =>
        {
            await using var command = new NpgsqlCommand(CompleteTasksSql, c);
            command.Parameters.Add(new NpgsqlParameter<long>("runId", runId));
            command.Parameters.Add(new NpgsqlParameter<long>("now", Now()));
            Add(command, "ids", NpgsqlDbType.Bigint, outcomes.Select(o => o.TaskId).ToArray());
            Add(command, "statuses", NpgsqlDbType.Smallint, outcomes.Select(o => (short)o.Status).ToArray());
            Add(command, "errors", NpgsqlDbType.Text, outcomes.Select(o => o.Error).ToArray());
            Add(command, "srcFps", NpgsqlDbType.Text, outcomes.Select(o => o.Ledger?.SourceFingerprint).ToArray());
            Add(command, "dstFps", NpgsqlDbType.Text, outcomes.Select(o => o.Ledger?.DestinationFingerprint).ToArray());
            Add(command, "md5s", NpgsqlDbType.Text, outcomes.Select(o => o.Ledger?.Md5?.ToLowerInvariant()).ToArray());
            Add(command, "crcs", NpgsqlDbType.Bigint, outcomes.Select(o => (long?)o.Ledger?.Crc32c).ToArray());
            Add(command, "verifiedAts", NpgsqlDbType.Bigint, outcomes.Select(o => o.Ledger?.VerifiedAt is { } v ? Fingerprint.UnixTicks(v) : (long?)null).ToArray());
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null
                ? throw new StateStoreException($"run {runId} not found in state database {Where}")
                : 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlySet<long>> FilterPendingAsync(long runId, IReadOnlyList<long> taskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        if (taskIds.Count == 0)
        {
            return Task.FromResult<IReadOnlySet<long>>(new HashSet<long>());
        }

        return UseAsync<IReadOnlySet<long>>(async c => (await c.QueryAsync<long>(
            "SELECT id FROM tasks WHERE id = ANY(@ids) AND run_id = @runId AND status = 0",
            new { runId, ids = taskIds.ToArray(), cancellationToken }, null).ConfigureAwait(false)).ToHashSet(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<RunCounters> GetCountersAsync(long runId, CancellationToken cancellationToken) =>
        UseAsync(async c =>
        {
            var counters = new RunCounters();
            foreach (var row in await c.QueryAsync<CounterRow>(
                "SELECT action AS Action, status AS Status, COUNT(*) AS Count, COALESCE(SUM(size), 0)::bigint AS Bytes " +
                "FROM tasks WHERE run_id = @runId GROUP BY action, status",
                new { runId, cancellationToken }, null).ConfigureAwait(false))
            {
                counters = ((TaskAction)row.Action, (WorkTaskStatus)row.Status) switch
                {
                    (TaskAction.Copy, WorkTaskStatus.Pending) => counters with { CopyPending = row.Count },
                    (TaskAction.Copy, WorkTaskStatus.Done) => counters with { CopyDone = row.Count, CopyDoneBytes = row.Bytes },
                    (TaskAction.Copy, WorkTaskStatus.Vanished) => counters with { CopyVanished = row.Count },
                    (TaskAction.Copy, WorkTaskStatus.Failed) => counters with { CopyFailed = row.Count },
                    (TaskAction.Delete, WorkTaskStatus.Pending) => counters with { DeletePending = row.Count },

                    // A delete target already gone is as good as deleted.
                    (TaskAction.Delete, WorkTaskStatus.Done or WorkTaskStatus.Vanished) => counters with { DeleteDone = counters.DeleteDone + row.Count },
                    (TaskAction.Delete, WorkTaskStatus.Failed) => counters with { DeleteFailed = row.Count },
                    _ => counters,
                };
            }

            return counters;
        }, cancellationToken);

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType elementType, T[] values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | elementType) { Value = values });

    internal sealed class CounterRow
    {
        public long Action { get; set; }
        public long Status { get; set; }
        public long Count { get; set; }
        public long Bytes { get; set; }
    }
}
