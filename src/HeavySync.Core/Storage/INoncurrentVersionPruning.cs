namespace HeavySync.Storage;

/// <summary>Optional: a versioned store that can delete old versions (see
/// <see cref="StoreCapabilities.Versions"/>). The finalizer calls it past its pruning threshold.</summary>
public interface INoncurrentVersionPruning
{
    /// <summary>Deletes versions (and delete markers) under the location that stopped being current
    /// before <paramref name="olderThan"/>; never a current version. Returns how many were deleted.</summary>
    Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken);
}
