using Dapper;
using HeavySync.Storage;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore : IUploadSessionStore
{
    /// <inheritdoc />
    public Task<string?> FindUploadSessionAsync(long jobId, string key, string sourceFingerprint, CancellationToken cancellationToken) =>
        UseAsync(c => c.QuerySingleOrDefaultAsync<string?>(
            "SELECT session_uri FROM upload_sessions WHERE job_id = @jobId AND key = @key AND source_fingerprint = @sourceFingerprint",
            new { jobId, key, sourceFingerprint, cancellationToken }, null), cancellationToken);

    /// <inheritdoc />
    public Task SaveUploadSessionAsync(long jobId, string key, string sourceFingerprint, string sessionUri, CancellationToken cancellationToken) =>
        UseAsync(c => c.ExecuteAsync(
            """
            INSERT INTO upload_sessions (job_id, key, source_fingerprint, session_uri, created_at)
            VALUES (@jobId, @key, @sourceFingerprint, @sessionUri, @now)
            ON CONFLICT (job_id, key) DO UPDATE SET
                source_fingerprint = excluded.source_fingerprint,
                session_uri = excluded.session_uri,
                created_at = excluded.created_at
            """,
            new { jobId, key, sourceFingerprint, sessionUri, now = Now(), cancellationToken }, null), cancellationToken);

    /// <inheritdoc />
    public Task DeleteUploadSessionAsync(long jobId, string key, CancellationToken cancellationToken) =>
        UseAsync(c => c.ExecuteAsync(
            "DELETE FROM upload_sessions WHERE job_id = @jobId AND key = @key",
            new { jobId, key, cancellationToken }, null), cancellationToken);
}
