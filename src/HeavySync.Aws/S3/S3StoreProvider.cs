using HeavySync.Locations;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Aws.S3;

/// <summary>Opens <see cref="S3ObjectStore"/>s for s3:// locations.</summary>
public sealed class S3StoreProvider : IObjectStoreProvider
{
    private readonly S3StoreOptions _options;
    private readonly IRequestObserver _observer;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the provider.</summary>
    /// <param name="options">Store tuning (null: defaults), validated here.</param>
    /// <param name="observer">Receives request counts and throttling (null: none).</param>
    /// <param name="loggerFactory">Logs (null: none).</param>
    /// <param name="timeProvider">Clock (null: the system clock).</param>
    public S3StoreProvider(S3StoreOptions? options = null, IRequestObserver? observer = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new S3StoreOptions();
        _options.Validate();
        _observer = observer ?? NullRequestObserver.Instance;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public bool Handles(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Scheme == LocationScheme.S3;
    }

    /// <inheritdoc />
    public async ValueTask<IObjectStore> OpenAsync(StoreLocation location, LocationSettings settings, StoreSide side, CancellationToken cancellationToken) =>
        await S3ObjectStore.OpenAsync(
            location,
            settings,
            _options,
            _observer,
            _loggerFactory.CreateLogger<S3ObjectStore>(),
            credentials: null,
            _timeProvider,
            cancellationToken).ConfigureAwait(false);
}
