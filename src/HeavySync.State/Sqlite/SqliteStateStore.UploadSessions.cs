using Dapper;
using HeavySync.Storage;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore : IUploadSessionStore
{
    /// <inheritdoc />
    public Task<string?> FindUploadSessionAsync(long jobId, string key, string sourceFingerprint, CancellationToken cancellationToken) =>
        UseAsync(c => c.QuerySingleOrDefault<string?>(
            "SELECT session_uri FROM upload_sessions WHERE job_id = @jobId AND key = @key AND source_fingerprint = @sourceFingerprint",
            new { jobId, key, sourceFingerprint }), cancellationToken);

    /// <inheritdoc />
    public Task SaveUploadSessionAsync(long jobId, string key, string sourceFingerprint, string sessionUri, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) => c.Execute(
            """
            INSERT INTO upload_sessions (job_id, key, source_fingerprint, session_uri, created_at)
            VALUES (@jobId, @key, @sourceFingerprint, @sessionUri, @now)
            ON CONFLICT (job_id, key) DO UPDATE SET
                source_fingerprint = excluded.source_fingerprint,
                session_uri = excluded.session_uri,
                created_at = excluded.created_at
            """,
            new { jobId, key, sourceFingerprint, sessionUri, now = Now() },
            t), cancellationToken);

    /// <inheritdoc />
    public Task DeleteUploadSessionAsync(long jobId, string key, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) => c.Execute(
            "DELETE FROM upload_sessions WHERE job_id = @jobId AND key = @key",
            new { jobId, key },
            t), cancellationToken);
}
