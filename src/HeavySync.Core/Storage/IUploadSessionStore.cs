namespace HeavySync.Storage;

/// <summary>
/// Optional durable memory of resumable upload sessions, so a write a crashed run left half done can
/// continue where the store persisted it instead of starting over. Keyed by (job, key, source
/// fingerprint): a session belongs to one version of one source object. Session URIs grant upload
/// access: implementations keep them out of logs. Failures surface as the implementation's
/// state exception; every method is safe to repeat.
/// </summary>
public interface IUploadSessionStore
{
    /// <summary>The session recorded for this write, or null.</summary>
    Task<string?> FindUploadSessionAsync(long jobId, string key, string sourceFingerprint, CancellationToken cancellationToken);

    /// <summary>Records (or replaces) the session of this write; any older session of the key is forgotten.</summary>
    Task SaveUploadSessionAsync(long jobId, string key, string sourceFingerprint, string sessionUri, CancellationToken cancellationToken);

    /// <summary>Forgets the session of this key (the upload finished or cannot be resumed). Missing is fine.</summary>
    Task DeleteUploadSessionAsync(long jobId, string key, CancellationToken cancellationToken);
}
