using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>An in-memory record of one upload session (the SQLite and Postgres ones have their own tests).</summary>
internal sealed class MemorySessions : IUploadSessionStore
{
    public string? Uri { get; private set; }

    public Task<string?> FindUploadSessionAsync(long jobId, string key, string sourceFingerprint, CancellationToken cancellationToken) => Task.FromResult(Uri);

    public Task SaveUploadSessionAsync(long jobId, string key, string sourceFingerprint, string sessionUri, CancellationToken cancellationToken)
    {
        Uri = sessionUri;
        return Task.CompletedTask;
    }

    public Task DeleteUploadSessionAsync(long jobId, string key, CancellationToken cancellationToken)
    {
        Uri = null;
        return Task.CompletedTask;
    }
}
