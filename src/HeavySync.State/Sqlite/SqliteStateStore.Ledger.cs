using Dapper;
using HeavySync.Planning;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    public Task<LedgerEntry?> GetLedgerAsync(long jobId, string key, CancellationToken cancellationToken) =>
        UseAsync(c => c.QuerySingleOrDefault<LedgerRow>(
            $"SELECT {SqliteRows.LedgerColumns} FROM ledger WHERE job_id = @jobId AND key = @key",
            new { jobId, key })?.ToEntry(), cancellationToken);

    /// <inheritdoc />
    public Task MarkVerifiedAsync(long jobId, IReadOnlyList<string> keys, DateTimeOffset when, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var verifiedAt = Fingerprint.UnixTicks(when);
        return InTransactionAsync((c, t) => c.Execute(
            "UPDATE ledger SET verified_at = @verifiedAt WHERE job_id = @jobId AND key = @key",
            keys.Select(key => new { jobId, key, verifiedAt }),
            t), cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteOldRunDataAsync(long jobId, long keepRunId, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            var parameters = new { jobId, keepRunId };
            c.Execute("DELETE FROM manifest WHERE run_id IN (SELECT id FROM runs WHERE job_id = @jobId AND id < @keepRunId)", parameters, t);
            c.Execute("DELETE FROM tasks WHERE run_id IN (SELECT id FROM runs WHERE job_id = @jobId AND id < @keepRunId)", parameters, t);
            return 0;
        }, cancellationToken);
}
