using Dapper;
using HeavySync.State.Sqlite;
using Npgsql;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    /// <inheritdoc />
    public Task<RunRecord?> GetOpenRunAsync(long jobId, CancellationToken cancellationToken) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<RunRow>(
            $"SELECT {PostgresRows.RunColumns} FROM runs WHERE job_id = @jobId AND phase = ANY(@open) ORDER BY number DESC LIMIT 1",
            new { jobId, open = PostgresRows.OpenPhases, cancellationToken }, null).ConfigureAwait(false))?.ToRecord(), cancellationToken);

    /// <inheritdoc />
    public Task<RunRecord> CreateRunAsync(long jobId, CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            // The job row's lock orders concurrent creators, so each gets the next number.
            if (await c.ExecuteScalarAsync<long?>("SELECT id FROM jobs WHERE id = @jobId FOR UPDATE", new { jobId, cancellationToken }, t).ConfigureAwait(false) is null)
            {
                throw new StateStoreException($"job {jobId} not found in state database {Where}");
            }

            var id = await c.ExecuteScalarAsync<long>(
                "INSERT INTO runs (job_id, number, phase, started_at) " +
                "SELECT @jobId, COALESCE(MAX(number), 0) + 1, @phase, @now FROM runs WHERE job_id = @jobId RETURNING id",
                new { jobId, phase = (short)RunPhase.Listing, now = Now(), cancellationToken }, t).ConfigureAwait(false);
            return await ReadRunAsync(c, t, id, false, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task SetPublishCheckpointAsync(long runId, long publishedThrough, CancellationToken cancellationToken) =>
        UseAsync(async c =>
        {
            var updated = await c.ExecuteAsync(
                "UPDATE runs SET published_through = @publishedThrough WHERE id = @runId",
                new { runId, publishedThrough, cancellationToken }, null).ConfigureAwait(false);
            return updated == 1 ? 0 : throw new StateStoreException($"run {runId} not found in state database {Where}");
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RunRecord> GetRunAsync(long runId, CancellationToken cancellationToken) =>
        UseAsync(c => ReadRunAsync(c, null, runId, false, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(long jobId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return UseAsync<IReadOnlyList<RunRecord>>(async c => (await c.QueryAsync<RunRow>(
            $"SELECT {PostgresRows.RunColumns} FROM runs WHERE job_id = @jobId ORDER BY number DESC LIMIT @limit",
            new { jobId, limit, cancellationToken }, null).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListUnfinishedRunsAsync(CancellationToken cancellationToken) =>
        UseAsync<IReadOnlyList<RunRecord>>(async c => (await c.QueryAsync<RunRow>(
            $"SELECT {PostgresRows.RunColumns} FROM runs WHERE phase = ANY(@open) ORDER BY id",
            new { open = PostgresRows.OpenPhases, cancellationToken }, null).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), cancellationToken);

    /// <inheritdoc />
    public Task SetRunPhaseAsync(long runId, RunPhase phase, string? report, CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            var run = await ReadRunAsync(c, t, runId, true, cancellationToken).ConfigureAwait(false);
            if (phase != run.Phase && (run.IsFinished || phase < run.Phase))
            {
                throw new StateStoreException($"run {runId} cannot move from {run.Phase} to {phase}: runs only move forward");
            }

            var finished = run with { Phase = phase };
            await c.ExecuteAsync(
                "UPDATE runs SET phase = @phase, report = COALESCE(@report, report), " +
                "finished_at = CASE WHEN @finished THEN COALESCE(finished_at, @now) ELSE NULL END WHERE id = @runId",
                new { runId, phase = (short)phase, report, finished = finished.IsFinished, now = Now(), cancellationToken }, t).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<int> RetryFailedAsync(long runId, CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            var run = await ReadRunAsync(c, t, runId, true, cancellationToken).ConfigureAwait(false);
            var reset = await c.ExecuteAsync(
                "UPDATE tasks SET status = @pending, attempts = 0, error = NULL, updated_at = @now WHERE run_id = @runId AND status = @failed",
                new { runId, pending = (short)WorkTaskStatus.Pending, failed = (short)WorkTaskStatus.Failed, now = Now(), cancellationToken }, t).ConfigureAwait(false);

            // The one backwards move of a run: its reset tasks need copiers again, and a finalizer after them.
            if (reset > 0 && run.Phase is RunPhase.Finalizing or RunPhase.Done)
            {
                await c.ExecuteAsync(
                    "UPDATE runs SET phase = @copying, finished_at = NULL, report = NULL WHERE id = @runId",
                    new { runId, copying = (short)RunPhase.Copying, cancellationToken }, t).ConfigureAwait(false);
            }

            return reset;
        }, cancellationToken);

    /// <summary>A run; <paramref name="forUpdate"/> locks its row until the transaction ends. Throws when missing.</summary>
    private async Task<RunRecord> ReadRunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long runId, bool forUpdate, CancellationToken cancellationToken) =>
        (forUpdate
            ? await connection.QuerySingleOrDefaultAsync<RunRow>(
                $"SELECT {PostgresRows.RunColumns} FROM runs WHERE id = @runId FOR UPDATE",
                new { runId, cancellationToken }, transaction).ConfigureAwait(false)
            : await connection.QuerySingleOrDefaultAsync<RunRow>(
                $"SELECT {PostgresRows.RunColumns} FROM runs WHERE id = @runId",
                new { runId, cancellationToken }, transaction).ConfigureAwait(false))?.ToRecord()
        ?? throw new StateStoreException($"run {runId} not found in state database {Where}");
}
