using HeavySync.Locations;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Local;

/// <summary>Opens <see cref="LocalFileStore"/>s for file:// locations and bare paths.</summary>
public sealed class LocalStoreProvider(ILoggerFactory loggers) : IObjectStoreProvider
{
    /// <inheritdoc />
    public bool Handles(StoreLocation location) => location.Scheme == LocationScheme.File;

    /// <inheritdoc />
    public ValueTask<IObjectStore> OpenAsync(StoreLocation location, LocationSettings settings, StoreSide side, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(settings);
        if (side == StoreSide.Source && File.Exists(location.Path))
        {
            throw new StoreException(StoreErrorKind.Fatal, $"source {location.Path} is a file; HeavySync syncs directories");
        }

        if (side == StoreSide.Destination && File.Exists(location.Path))
        {
            throw new StoreException(StoreErrorKind.Fatal, $"destination {location.Path} is a file, not a directory");
        }

        var options = new LocalStoreOptions
        {
            FollowSymlinks = settings.FollowSymlinks,
            RootMustExist = side == StoreSide.Source,
        };
        if (options.RootMustExist && !Directory.Exists(location.Path))
        {
            throw new StoreException(StoreErrorKind.Fatal, $"source directory {location.Path} does not exist");
        }

        IObjectStore store = new LocalFileStore(location.Path, options, loggers.CreateLogger<LocalFileStore>());
        return ValueTask.FromResult(store);
    }
}
