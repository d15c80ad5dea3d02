using Dapper;
using HeavySync.Planning;
using HeavySync.State.Sqlite;
using HeavySync.Storage;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    /// <inheritdoc />
    public Task<LedgerEntry?> GetLedgerAsync(long jobId, string key, CancellationToken cancellationToken) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<LedgerRow>(
            $"SELECT {PostgresRows.LedgerColumns} FROM ledger WHERE job_id = @jobId AND key = @key",
            new { jobId, key, cancellationToken }, null).ConfigureAwait(false))?.ToEntry(), cancellationToken);

    /// <inheritdoc />
    public Task MarkVerifiedAsync(long jobId, IReadOnlyList<string> keys, DateTimeOffset when, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var verifiedAt = Fingerprint.UnixTicks(when);
        return UseAsync(c => c.ExecuteAsync(
            "UPDATE ledger SET verified_at = @verifiedAt WHERE job_id = @jobId AND key = ANY(@keys)",
            new { jobId, keys = keys.ToArray(), verifiedAt, cancellationToken }, null), cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteOldRunDataAsync(long jobId, long keepRunId, CancellationToken cancellationToken) =>
        InTransactionAsync(async (c, t) =>
        {
            var parameters = new { jobId, keepRunId, cancellationToken };
            const string oldRuns = "SELECT id FROM runs WHERE job_id = @jobId AND id < @keepRunId";
            await c.ExecuteAsync($"DELETE FROM manifest WHERE run_id IN ({oldRuns})", parameters, t, commandTimeout: 0).ConfigureAwait(false);
            await c.ExecuteAsync($"DELETE FROM tasks WHERE run_id IN ({oldRuns})", parameters, t, commandTimeout: 0).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Rows ranked by <c>hashtextextended(key, seed)</c>, the server's seeded 64-bit hash, lowest
    /// <paramref name="count"/> kept: a uniform sample, the same for the same seed and keys. The sort
    /// keeps only the top rows (a bounded heap), so memory stays bounded by the sample size.
    /// </remarks>
    public Task<IReadOnlyList<ObjectEntry>> SampleManifestAsync(long runId, StoreSide side, int count, int seed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return UseAsync<IReadOnlyList<ObjectEntry>>(async c => (await c.QueryAsync<ManifestRow>(
            $"SELECT {PostgresRows.ManifestColumns} FROM manifest WHERE run_id = @runId AND side = @side " +
            "ORDER BY hashtextextended(key, @seed), key LIMIT @count",
            new { runId, side = (short)side, seed = (long)seed, count, cancellationToken }, commandTimeout: 0).ConfigureAwait(false))
            .Select(r => r.ToEntry()).ToList(), cancellationToken);
    }
}
