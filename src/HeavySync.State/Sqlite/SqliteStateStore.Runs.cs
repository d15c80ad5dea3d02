using Dapper;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    public Task<RunRecord?> GetOpenRunAsync(long jobId, CancellationToken cancellationToken) =>
        UseAsync(c => c.QuerySingleOrDefault<RunRow>(
            $"SELECT {SqliteRows.RunColumns} FROM runs WHERE job_id = @jobId AND phase IN @open ORDER BY number DESC LIMIT 1",
            new { jobId, open = new[] { (long)RunPhase.Listing, (long)RunPhase.Copying, (long)RunPhase.Finalizing } })?.ToRecord(),
            cancellationToken);

    /// <inheritdoc />
    public Task<RunRecord> CreateRunAsync(long jobId, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            if (c.ExecuteScalar<long?>("SELECT id FROM jobs WHERE id = @jobId", new { jobId }, t) is null)
            {
                throw new StateStoreException($"job {jobId} not found in state file {Path}");
            }

            var id = c.ExecuteScalar<long>(
                "INSERT INTO runs (job_id, number, phase, started_at) " +
                "SELECT @jobId, COALESCE(MAX(number), 0) + 1, @phase, @now FROM runs WHERE job_id = @jobId RETURNING id",
                new { jobId, phase = (long)RunPhase.Listing, now = Now() },
                t);
            return ReadRun(c, t, id);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RunRecord> GetRunAsync(long runId, CancellationToken cancellationToken) =>
        UseAsync(c => ReadRun(c, null, runId), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(long jobId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return UseAsync<IReadOnlyList<RunRecord>>(c => c.Query<RunRow>(
            $"SELECT {SqliteRows.RunColumns} FROM runs WHERE job_id = @jobId ORDER BY number DESC LIMIT @limit",
            new { jobId, limit }).Select(r => r.ToRecord()).ToList(), cancellationToken);
    }

    /// <inheritdoc />
    public Task SetRunPhaseAsync(long runId, RunPhase phase, string? report, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            var run = ReadRun(c, t, runId);
            if (phase != run.Phase && (run.IsFinished || phase < run.Phase))
            {
                throw new StateStoreException($"run {runId} cannot move from {run.Phase} to {phase}: runs only move forward");
            }

            var finished = run with { Phase = phase };
            c.Execute(
                "UPDATE runs SET phase = @phase, report = COALESCE(@report, report), " +
                "finished_at = CASE WHEN @finished THEN COALESCE(finished_at, @now) ELSE NULL END WHERE id = @runId",
                new { runId, phase = (long)phase, report, finished = finished.IsFinished, now = Now() },
                t);
            return 0;
        }, cancellationToken);

    /// <inheritdoc />
    public Task SetPublishCheckpointAsync(long runId, long publishedThrough, CancellationToken cancellationToken) =>
        UseAsync(c =>
        {
            var updated = c.Execute("UPDATE runs SET published_through = @publishedThrough WHERE id = @runId", new { runId, publishedThrough });
            return updated == 1 ? 0 : throw new StateStoreException($"run {runId} not found in state file {Path}");
        }, cancellationToken);

    private RunRecord ReadRun(SqliteConnection connection, SqliteTransaction? transaction, long runId) =>
        connection.QuerySingleOrDefault<RunRow>(
            $"SELECT {SqliteRows.RunColumns} FROM runs WHERE id = @runId", new { runId }, transaction)?.ToRecord()
        ?? throw new StateStoreException($"run {runId} not found in state file {Path}");
}
