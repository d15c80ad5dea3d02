using Dapper;
using HeavySync.State.Sqlite;
using Npgsql;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    /// <inheritdoc />
    public Task<JobRecord> GetOrCreateJobAsync(string source, string destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);

        // One statement: concurrent creators of the same pair all get the one row.
        return UseAsync(async c =>
        {
            await c.ExecuteAsync(Sql(
                "INSERT INTO jobs (source, destination, created_at) VALUES (@source, @destination, @now) ON CONFLICT (source, destination) DO NOTHING",
                new { source, destination, now = Now() }, null, cancellationToken)).ConfigureAwait(false);
            return (await c.QuerySingleAsync<JobRow>(Sql(
                $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
                new { source, destination }, null, cancellationToken)).ConfigureAwait(false)).ToRecord();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord?> FindJobAsync(string source, string destination, CancellationToken cancellationToken) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<JobRow>(Sql(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
            new { source, destination }, null, cancellationToken)).ConfigureAwait(false))?.ToRecord(), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken) =>
        UseAsync<IReadOnlyList<JobRecord>>(async c => (await c.QueryAsync<JobRow>(Sql(
            $"SELECT {PostgresRows.JobColumns} FROM jobs ORDER BY id", null, null, cancellationToken)).ConfigureAwait(false))
            .Select(r => r.ToRecord()).ToList(), cancellationToken);

    /// <inheritdoc />
    public Task<JobRecord> CreateNamedJobAsync(string name, string source, string destination, string optionsJson, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(optionsJson);
        return InTransactionAsync(async (c, t) =>
        {
            // Serialise job creation: two creators of one name or pair must not both pass the checks.
            await c.ExecuteAsync(Sql("LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE", null, t, cancellationToken)).ConfigureAwait(false);
            if (await c.ExecuteScalarAsync<long?>(Sql("SELECT id FROM jobs WHERE name = @name", new { name }, t, cancellationToken)).ConfigureAwait(false) is not null)
            {
                throw new StateStoreException($"job '{name}' already exists");
            }

            var pair = await c.QuerySingleOrDefaultAsync<JobRow>(Sql(
                $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
                new { source, destination }, t, cancellationToken)).ConfigureAwait(false);
            if (pair?.Name is { } owner)
            {
                throw new StateStoreException($"job '{owner}' already syncs {source} to {destination}");
            }

            // An unnamed job of this pair is adopted, so the ledger of earlier `heavysync sync` runs still counts.
            var id = pair?.Id ?? await c.ExecuteScalarAsync<long>(Sql(
                "INSERT INTO jobs (source, destination, created_at) VALUES (@source, @destination, @now) RETURNING id",
                new { source, destination, now = Now() }, t, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(Sql("UPDATE jobs SET name = @name, options_json = @optionsJson WHERE id = @id", new { id, name, optionsJson }, t, cancellationToken)).ConfigureAwait(false);
            return await ReadJobAsync(c, t, id, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord?> FindJobByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return UseAsync(async c => (await c.QuerySingleOrDefaultAsync<JobRow>(Sql(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE name = @name", new { name }, null, cancellationToken)).ConfigureAwait(false))?.ToRecord(),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord> GetJobAsync(long jobId, CancellationToken cancellationToken) =>
        UseAsync(c => ReadJobAsync(c, null, jobId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task UpdateJobOptionsAsync(long jobId, string optionsJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(optionsJson);
        return UseAsync(async c =>
            await c.ExecuteAsync(Sql("UPDATE jobs SET options_json = @optionsJson WHERE id = @jobId", new { jobId, optionsJson }, null, cancellationToken)).ConfigureAwait(false) == 0
                ? throw new StateStoreException($"job {jobId} not found in state database {Where}")
                : 0,
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The job's messages in the Postgres work queue's table go too.</remarks>
    public Task<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            var parameters = new { jobId };
            const string runsOfJob = "SELECT id FROM runs WHERE job_id = @jobId";
            await c.ExecuteAsync(Sql($"DELETE FROM manifest WHERE run_id IN ({runsOfJob})", parameters, t, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(Sql($"DELETE FROM tasks WHERE run_id IN ({runsOfJob})", parameters, t, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(Sql("DELETE FROM queue_messages WHERE job_id = @jobId", parameters, t, cancellationToken)).ConfigureAwait(false);

            await c.ExecuteAsync(Sql("DELETE FROM runs WHERE job_id = @jobId", parameters, t, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(Sql("DELETE FROM ledger WHERE job_id = @jobId", parameters, t, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(Sql("DELETE FROM upload_sessions WHERE job_id = @jobId", parameters, t, cancellationToken)).ConfigureAwait(false);
            return await c.ExecuteAsync(Sql("DELETE FROM jobs WHERE id = @jobId", parameters, t, cancellationToken)).ConfigureAwait(false) > 0;
        }, cancellationToken);

    private async Task<JobRecord> ReadJobAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long jobId, CancellationToken cancellationToken) =>
        (await connection.QuerySingleOrDefaultAsync<JobRow>(Sql(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE id = @jobId", new { jobId }, transaction, cancellationToken)).ConfigureAwait(false))?.ToRecord()
        ?? throw new StateStoreException($"job {jobId} not found in state database {Where}");
}
