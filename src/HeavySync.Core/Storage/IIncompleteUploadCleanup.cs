namespace HeavySync.Storage;

/// <summary>Optional: a store whose interrupted writes can leave invisible, billed leftovers (S3
/// multipart uploads). The engine calls this on destinations at the start of each run.</summary>
public interface IIncompleteUploadCleanup
{
    /// <summary>Removes incomplete uploads under the location started more than
    /// <paramref name="olderThan"/> ago (<see cref="TimeSpan.Zero"/>: all started before now);
    /// returns how many were removed. Failures are <see cref="StoreException"/>s.</summary>
    Task<int> CleanupIncompleteUploadsAsync(TimeSpan olderThan, CancellationToken cancellationToken);
}
