namespace HeavySync.Storage;

/// <summary>Optional: a store that can copy from another store without streaming the bytes through us.</summary>
public interface IServerSideCopy
{
    /// <summary>True when <paramref name="source"/> is reachable by this store's server
    /// (same endpoint and credentials).</summary>
    bool CanCopyFrom(IObjectStore source);

    /// <summary>Copies <paramref name="source"/>'s object to <paramref name="destinationKey"/> and returns it as stored.</summary>
    Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="CopyFromAsync(IObjectStore, ObjectEntry, string, CancellationToken)"/>, writing
    /// the destination only if it still holds <paramref name="expected"/> (see
    /// <see cref="WriteRequest.ExpectedDestination"/>); stores without preconditions ignore it.
    /// </summary>
    Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, ExpectedDestination? expected, CancellationToken cancellationToken) =>
        CopyFromAsync(source, sourceEntry, destinationKey, cancellationToken);
}

/// <summary>Optional: a store that can delete many keys per request (S3 DeleteObjects).</summary>
public interface IBatchDelete
{
    /// <summary>Largest batch one call accepts.</summary>
    int MaxBatchSize { get; }

    /// <summary>Deletes the keys; returns the keys that failed with their errors (empty when all went).</summary>
    Task<IReadOnlyList<(string Key, StoreException Error)>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);
}
