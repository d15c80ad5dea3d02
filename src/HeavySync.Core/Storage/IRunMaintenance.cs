namespace HeavySync.Storage;

/// <summary>
/// Optional: a store with housekeeping to do around a run (S3: abort multipart uploads a crashed
/// run left behind; prune old versions).
/// </summary>
public interface IRunMaintenance
{
    /// <summary>
    /// Called once before a run writes to this store as a destination: clean up after crashed
    /// processes. <paramref name="policy"/> says which incomplete uploads may be taken for orphans;
    /// uploads it does not cover (another process's live work) must be left alone.
    /// </summary>
    Task PrepareDestinationAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes noncurrent versions that became noncurrent before <paramref name="olderThan"/>;
    /// returns how many were deleted. Stores without versions return 0.
    /// </summary>
    Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken);
}
