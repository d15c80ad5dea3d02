using Dapper;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    public Task<JobRecord> CreateNamedJobAsync(string name, string source, string destination, string optionsJson, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(optionsJson);
        return InTransactionAsync((c, t) =>
        {
            if (c.ExecuteScalar<long?>("SELECT id FROM jobs WHERE name = @name", new { name }, t) is not null)
            {
                throw new StateStoreException($"job '{name}' already exists");
            }

            var pair = c.QuerySingleOrDefault<JobRow>(
                $"SELECT {SqliteRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
                new { source, destination },
                t);
            if (pair?.Name is { } owner)
            {
                throw new StateStoreException($"job '{owner}' already syncs {source} to {destination}");
            }

            // An unnamed job of this pair is adopted, so the ledger of earlier `heavysync sync` runs still counts.
            var id = pair?.Id ?? c.ExecuteScalar<long>(
                "INSERT INTO jobs (source, destination, created_at) VALUES (@source, @destination, @now) RETURNING id",
                new { source, destination, now = Now() },
                t);
            c.Execute("UPDATE jobs SET name = @name, options_json = @optionsJson WHERE id = @id", new { id, name, optionsJson }, t);
            return ReadJob(c, t, id);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord?> FindJobByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return UseAsync(c => c.QuerySingleOrDefault<JobRow>(
            $"SELECT {SqliteRows.JobColumns} FROM jobs WHERE name = @name", new { name })?.ToRecord(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord> GetJobAsync(long jobId, CancellationToken cancellationToken) =>
        UseAsync(c => ReadJob(c, null, jobId), cancellationToken);

    /// <inheritdoc />
    public Task UpdateJobOptionsAsync(long jobId, string optionsJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(optionsJson);
        return InTransactionAsync((c, t) =>
            c.Execute("UPDATE jobs SET options_json = @optionsJson WHERE id = @jobId", new { jobId, optionsJson }, t) == 0
                ? throw new StateStoreException($"job {jobId} not found in state file {Path}")
                : 0,
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>SQLite holds no queue messages: the in-process queue lives and dies with its process.</remarks>
    public Task<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            var parameters = new { jobId };

            // Children first: foreign keys are enforced.
            c.Execute("DELETE FROM manifest WHERE run_id IN (SELECT id FROM runs WHERE job_id = @jobId)", parameters, t);
            c.Execute("DELETE FROM tasks WHERE run_id IN (SELECT id FROM runs WHERE job_id = @jobId)", parameters, t);
            c.Execute("DELETE FROM runs WHERE job_id = @jobId", parameters, t);
            c.Execute("DELETE FROM ledger WHERE job_id = @jobId", parameters, t);
            c.Execute("DELETE FROM upload_sessions WHERE job_id = @jobId", parameters, t);
            return c.Execute("DELETE FROM jobs WHERE id = @jobId", parameters, t) > 0;
        }, cancellationToken);

    private JobRecord ReadJob(SqliteConnection connection, SqliteTransaction? transaction, long jobId) =>
        connection.QuerySingleOrDefault<JobRow>(
            $"SELECT {SqliteRows.JobColumns} FROM jobs WHERE id = @jobId", new { jobId }, transaction)?.ToRecord()
        ?? throw new StateStoreException($"job {jobId} not found in state file {Path}");
}
