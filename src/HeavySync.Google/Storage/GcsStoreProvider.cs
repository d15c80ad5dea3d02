using HeavySync.Locations;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Google.Storage;

/// <summary>Opens <see cref="GcsObjectStore"/>s for gs:// locations.</summary>
public sealed class GcsStoreProvider : IObjectStoreProvider
{
    private readonly GcsStoreOptions _options;
    private readonly IRequestObserver _observer;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the provider.</summary>
    /// <param name="options">Store tuning (null: defaults), validated here.</param>
    /// <param name="observer">Receives request counts and throttling (null: none).</param>
    /// <param name="loggerFactory">Logs (null: none).</param>
    /// <param name="timeProvider">Clock (null: the system clock).</param>
    public GcsStoreProvider(GcsStoreOptions? options = null, IRequestObserver? observer = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new GcsStoreOptions();
        _options.Validate();
        _observer = observer ?? NullRequestObserver.Instance;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public bool Handles(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Scheme == LocationScheme.Gcs;
    }

    /// <inheritdoc />
    public async ValueTask<IObjectStore> OpenAsync(StoreLocation location, LocationSettings settings, StoreSide side, CancellationToken cancellationToken) =>
        await GcsObjectStore.OpenAsync(
            location,
            settings,
            _options,
            _observer,
            _loggerFactory.CreateLogger<GcsObjectStore>(),
            credential: null,
            _timeProvider,
            side,
            cancellationToken).ConfigureAwait(false);
}
