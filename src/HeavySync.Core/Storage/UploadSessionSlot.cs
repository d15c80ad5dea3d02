namespace HeavySync.Storage;

/// <summary>
/// The place one write may keep its resumable upload session: an <see cref="IUploadSessionStore"/>
/// bound to (job, key, source fingerprint). Handed to stores through <see cref="WriteRequest.UploadSession"/>;
/// stores without resumable uploads ignore it.
/// </summary>
public sealed class UploadSessionSlot
{
    private readonly IUploadSessionStore _store;
    private readonly long _jobId;
    private readonly string _key;
    private readonly string _sourceFingerprint;

    /// <summary>Binds <paramref name="store"/> to one write.</summary>
    public UploadSessionSlot(IUploadSessionStore store, long jobId, string key, string sourceFingerprint)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(sourceFingerprint);
        _store = store;
        _jobId = jobId;
        _key = key;
        _sourceFingerprint = sourceFingerprint;
    }

    /// <summary>The session an earlier attempt recorded for this write, or null.</summary>
    public Task<string?> FindAsync(CancellationToken cancellationToken) =>
        _store.FindUploadSessionAsync(_jobId, _key, _sourceFingerprint, cancellationToken);

    /// <summary>Records the session as soon as it exists, before any byte is sent.</summary>
    public Task SaveAsync(string sessionUri, CancellationToken cancellationToken) =>
        _store.SaveUploadSessionAsync(_jobId, _key, _sourceFingerprint, sessionUri, cancellationToken);

    /// <summary>Forgets the session (finished, expired or refused).</summary>
    public Task DeleteAsync(CancellationToken cancellationToken) =>
        _store.DeleteUploadSessionAsync(_jobId, _key, cancellationToken);
}
