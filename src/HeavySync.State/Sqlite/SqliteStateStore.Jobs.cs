using Dapper;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    public Task<JobRecord> GetOrCreateJobAsync(string source, string destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        return InTransactionAsync((c, t) =>
        {
            c.Execute(
                "INSERT INTO jobs (source, destination, created_at) VALUES (@source, @destination, @now) " +
                "ON CONFLICT (source, destination) DO NOTHING",
                new { source, destination, now = Now() },
                t);
            return c.QuerySingle<JobRow>(
                $"SELECT {SqliteRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
                new { source, destination },
                t).ToRecord();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobRecord?> FindJobAsync(string source, string destination, CancellationToken cancellationToken) =>
        UseAsync(c => c.QuerySingleOrDefault<JobRow>(
            $"SELECT {SqliteRows.JobColumns} FROM jobs WHERE source = @source AND destination = @destination",
            new { source, destination })?.ToRecord(), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken) =>
        UseAsync<IReadOnlyList<JobRecord>>(c => c.Query<JobRow>(
            $"SELECT {SqliteRows.JobColumns} FROM jobs ORDER BY id").Select(r => r.ToRecord()).ToList(), cancellationToken);
}
