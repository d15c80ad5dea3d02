using HeavySync.Locations;

namespace HeavySync.Storage;

/// <summary>Opens stores for locations of the schemes it knows. Providers register one each.</summary>
public interface IObjectStoreProvider
{
    /// <summary>True when this provider serves <paramref name="location"/>'s scheme.</summary>
    bool Handles(StoreLocation location);

    /// <summary>Opens a store; validation errors and missing buckets are <see cref="StoreErrorKind.Fatal"/>.</summary>
    ValueTask<IObjectStore> OpenAsync(StoreLocation location, LocationSettings settings, StoreSide side, CancellationToken cancellationToken);
}

/// <summary>Which side of a job a store serves.</summary>
public enum StoreSide
{
    Source,
    Destination,
}
