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
            await c.ExecuteAsync(
                "INSERT INTO jobs (source, destination, created_at) VALUES (@source, @destination, @now) ON CONFLICT (source, destination) DO NOTHING",
                new { source, destination, now = Now(), cancellationToken }, null).ConfigureAwait(false);
            return (await c.QuerySingleAsync<JobRow>(
                $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
                new { source, destination, cancellationToken }, null).ConfigureAwait(false)).ToRecord();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord?> FindJobAsync(string source, string destination, CancellationToken cancellationToken) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<JobRow>(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
            new { source, destination, cancellationToken }, null).ConfigureAwait(false))?.ToRecord(), cancellationToken);

    /// <inheritdoc />
    /// <remarks>The <c>id &gt; 0</c> bound is a parameter so that the generated command honours the token.</remarks>
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken) =>
        UseAsync<IReadOnlyList<JobRecord>>(async c => (await c.QueryAsync<JobRow>(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE id > @after ORDER BY id", new { after = 0L, cancellationToken }, null).ConfigureAwait(false))
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
            await ExecuteBuiltAsync(c, t, "LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
            if (await c.ExecuteScalarAsync<long?>("SELECT id FROM jobs WHERE name = @name", new { name, cancellationToken }, t).ConfigureAwait(false) is not null)
            {
                throw new StateStoreException($"job '{name}' already exists");
            }

            var pair = await c.QuerySingleOrDefaultAsync<JobRow>(
                $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
                new { source, destination, cancellationToken }, t).ConfigureAwait(false);
            if (pair?.Name is { } owner)
            {
                throw new StateStoreException($"job '{owner}' already syncs {source} to {destination}");
            }

            // An unnamed job of this pair is adopted, so the ledger of earlier `heavysync sync` runs still counts.
            var id = pair?.Id ?? await c.ExecuteScalarAsync<long>(
                "INSERT INTO jobs (source, destination, created_at) VALUES (@source, @destination, @now) RETURNING id",
                new { source, destination, now = Now(), cancellationToken }, t).ConfigureAwait(false);
            await c.ExecuteAsync("UPDATE jobs SET name = @name, options_json = @optionsJson WHERE id = @id", new { id, name, optionsJson, cancellationToken }, t).ConfigureAwait(false);
            return await ReadJobAsync(c, t, id, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord?> FindJobByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return UseAsync(async c => (await c.QuerySingleOrDefaultAsync<JobRow>(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE name = @name", new { name, cancellationToken }, null).ConfigureAwait(false))?.ToRecord(),
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
            await c.ExecuteAsync("UPDATE jobs SET options_json = @optionsJson WHERE id = @jobId", new { jobId, optionsJson, cancellationToken }, null).ConfigureAwait(false) == 0
                ? throw new StateStoreException($"job {jobId} not found in state database {Where}")
                : 0,
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The job's messages in the Postgres work queue's table go too.</remarks>
    public Task<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            var parameters = new { jobId, cancellationToken };
            const string runsOfJob = "SELECT id FROM runs WHERE job_id = @jobId";
            await c.ExecuteAsync($"DELETE FROM manifest WHERE run_id IN ({runsOfJob})", parameters, t).ConfigureAwait(false);
            await c.ExecuteAsync($"DELETE FROM tasks WHERE run_id IN ({runsOfJob})", parameters, t).ConfigureAwait(false);
            await c.ExecuteAsync("DELETE FROM queue_messages WHERE job_id = @jobId", parameters, t).ConfigureAwait(false);

            await c.ExecuteAsync("DELETE FROM runs WHERE job_id = @jobId", parameters, t).ConfigureAwait(false);
            await c.ExecuteAsync("DELETE FROM ledger WHERE job_id = @jobId", parameters, t).ConfigureAwait(false);
            await c.ExecuteAsync("DELETE FROM upload_sessions WHERE job_id = @jobId", parameters, t).ConfigureAwait(false);
            return await c.ExecuteAsync("DELETE FROM jobs WHERE id = @jobId", parameters, t).ConfigureAwait(false) > 0;
        }, cancellationToken);

    private async Task<JobRecord> ReadJobAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long jobId, CancellationToken cancellationToken) =>
        (await connection.QuerySingleOrDefaultAsync<JobRow>(
            $"SELECT {PostgresRows.JobColumns} FROM jobs WHERE id = @jobId", new { jobId, cancellationToken }, transaction).ConfigureAwait(false))?.ToRecord()
        ?? throw new StateStoreException($"job {jobId} not found in state database {Where}");
}
