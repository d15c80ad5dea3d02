using HeavySync.Aws.S3;
using HeavySync.Google.Storage;
using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Jobs;
using HeavySync.Cli.Telemetry;
using HeavySync.Local;
using HeavySync.Engine;
using HeavySync.Locations;
using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Cli.Hosting;

/// <summary>Wiring shared by the commands: telemetry, logging, store providers, state.</summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly List<IObjectStoreProvider> providers;

    /// <param name="settings">The command's settings.</param>
    /// <param name="verbosity">0 warnings, 1 information, 2+ debug (console).</param>
    /// <param name="role">The role this process plays (<c>sync</c>, <c>lister</c>, <c>copier</c>,
    /// <c>finalizer</c>, <c>check</c>): starts OpenTelemetry export as <c>heavysync-ROLE</c> when the
    /// OTLP environment asks for it. Null: no telemetry.</param>
    /// <param name="job">The job this process works on, when it is one (a resource attribute of its telemetry).</param>
    /// <param name="run">The run this process works on, when it knows it before starting (a resource attribute).</param>
    public CliHost(CliSettings settings, int verbosity, string? role = null, string? job = null, long? run = null)
    {
        Settings = settings;
        var logFormat = ConsoleLogFormat.From(settings);
        Telemetry = role is null ? TelemetryHost.Disabled : TelemetryHost.Start(role, job, run);
        Loggers = LoggerFactory.Create(builder =>
        {
            // Log records written inside a span carry its trace and span ids.
            builder.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
            Telemetry.AddLogging(builder);
            builder.SetMinimumLevel(verbosity switch { 0 => LogLevel.Warning, 1 => LogLevel.Information, _ => LogLevel.Debug });
            logFormat.AddConsole(builder);
            builder.AddFilter("Microsoft", LogLevel.Warning);
        });
        providers = Providers(settings);
    }

    /// <summary>The store providers, tuned by <paramref name="settings"/>.</summary>
    private List<IObjectStoreProvider> Providers(CliSettings settings) =>
    [
        new LocalStoreProvider(Loggers),
        new S3StoreProvider(S3Options(settings), Requests, Loggers),
        new GcsStoreProvider(GcsOptions(settings), Requests, Loggers),
    ];

    public CliSettings Settings { get; }

    public ILoggerFactory Loggers { get; }

    /// <summary>This process's OpenTelemetry export (disabled unless configured).</summary>
    public TelemetryHost Telemetry { get; }

    /// <summary>Requests by operation over every store of this process (the cost of a run).</summary>
    public RequestCounter Requests { get; } = new();

    /// <summary>Requests of this process to its work queue, by operation (the queue's share of the cost).
    /// Kept apart from <see cref="Requests"/>: queue throttling does not lower copy concurrency.</summary>
    public RequestCounter QueueRequests { get; } = new(queue: true);

    /// <summary>S3 tuning: <c>s3_multipart_threshold</c> and <c>s3_part_size</c> (sizes like 16MiB).</summary>
    private static S3StoreOptions S3Options(CliSettings settings)
    {
        var options = new S3StoreOptions();
        if (settings.GetString("s3_multipart_threshold") is { } threshold)
        {
            var bytes = SizeParser.Parse(threshold, "s3_multipart_threshold");
            if (bytes is < 1 or > S3StoreOptions.MaxBufferedBytes)
            {
                throw new UsageException("--s3-multipart-threshold must be between 1B and 512MiB (smaller uploads are buffered whole)");
            }

            options = options with { SinglePutThresholdBytes = bytes };
        }

        if (settings.GetString("s3_part_size") is { } part)
        {
            var bytes = SizeParser.Parse(part, "s3_part_size");
            if (bytes is < 5L * 1024 * 1024 or > S3StoreOptions.MaxBufferedBytes)
            {
                throw new UsageException("--s3-part-size must be between 5MiB (S3's smallest part) and 512MiB (parts are buffered whole)");
            }

            options = options with { MinPartSizeBytes = bytes };
        }

        return options;
    }

    /// <summary>GCS tuning: <c>gcs_resumable_threshold</c> and <c>gcs_chunk_size</c> (sizes like 16MiB),
    /// <c>gcs_requester_pays</c>.</summary>
    private static GcsStoreOptions GcsOptions(CliSettings settings)
    {
        var options = new GcsStoreOptions();
        if (settings.GetString("gcs_resumable_threshold") is { } threshold)
        {
            var bytes = SizeParser.Parse(threshold, "gcs_resumable_threshold");
            if (bytes is < 1 or > 512L * 1024 * 1024)
            {
                throw new UsageException("--gcs-resumable-threshold must be between 1B and 512MiB (smaller uploads are buffered whole)");
            }

            options = options with { SimpleUploadThresholdBytes = bytes };
        }

        if (settings.GetString("gcs_chunk_size") is { } chunk)
        {
            var bytes = SizeParser.Parse(chunk, "gcs_chunk_size");
            if (bytes < GcsStoreOptions.ChunkGranularityBytes || bytes % GcsStoreOptions.ChunkGranularityBytes != 0 || bytes > 1024L * 1024 * 1024)
            {
                throw new UsageException("--gcs-chunk-size must be a multiple of 256KiB, at most 1GiB");
            }

            options = options with { ResumableChunkBytes = (int)bytes };
        }

        return options with { RequesterPays = settings.GetBool("gcs_requester_pays") };
    }

    /// <summary>Parses a location; a bad one is a usage error.</summary>
    public static StoreLocation ParseLocation(string text, string what)
    {
        try
        {
            return LocationParser.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"{what}: {ex.Message}");
        }
    }

    /// <summary>Per-side settings: <c>src_*</c> / <c>dst_*</c> keys.</summary>
    public LocationSettings SideSettings(StoreSide side) => SideSettings(Settings, side);

    private static LocationSettings SideSettings(CliSettings settings, StoreSide side)
    {
        var p = side == StoreSide.Source ? "src_" : "dst_";
        return new LocationSettings
        {
            Endpoint = settings.GetString(p + "endpoint"),
            Region = settings.GetString(p + "region"),
            Profile = settings.GetString(p + "profile"),
            PathStyle = settings.GetString(p + "path_style") is null ? null : settings.GetBool(p + "path_style"),
            FollowSymlinks = settings.GetBool("follow_symlinks"),
        };
    }

    /// <summary>Opens the store of a location.</summary>
    public Task<IObjectStore> OpenStoreAsync(StoreLocation location, StoreSide side, CancellationToken cancellationToken) =>
        OpenStoreAsync(location, side, Settings, providers, cancellationToken);

    /// <summary>
    /// Opens a job's stores with the job's stored settings layered over this host's (cluster roles
    /// serve many jobs, each with its own endpoints and options).
    /// </summary>
    public async ValueTask<JobContext> OpenJobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var settings = Settings.ForJob(JobSettingsJson.Parse(job.OptionsJson));
        var options = SyncSettings.Bind(settings);
        var own = Providers(settings);
        var source = await OpenStoreAsync(ParseLocation(job.Source, "source"), StoreSide.Source, settings, own, cancellationToken);
        try
        {
            var destination = await OpenStoreAsync(ParseLocation(job.Destination, "destination"), StoreSide.Destination, settings, own, cancellationToken);
            return new JobContext(job, source, destination, options);
        }
        catch
        {
            await source.DisposeAsync();
            throw;
        }
    }

    private static async Task<IObjectStore> OpenStoreAsync(StoreLocation location, StoreSide side, CliSettings settings, List<IObjectStoreProvider> providers, CancellationToken cancellationToken)
    {
        var provider = providers.FirstOrDefault(p => p.Handles(location))
            ?? throw new UsageException($"{location.Scheme} locations are not supported by this build");
        var store = await provider.OpenAsync(location, SideSettings(settings, side), side, cancellationToken);
        return DelayInjectingStore.WrapIfRequested(store, side);
    }

    /// <summary>Opens (creating when new) the state at <paramref name="path"/>: a SQLite file path.</summary>
    public static async Task<IStateStore> OpenStateAsync(string path, CancellationToken cancellationToken)
    {
        // Both open and migrate (one migrator at a time; a newer schema is refused with one line).
        return PostgresConnectionString.IsPostgres(path)
            ? await PostgresStateStore.OpenAsync(path, cancellationToken)
            : await SqliteStateStore.OpenAsync(path, cancellationToken);
    }

    /// <summary>Flushes logs, then traces and metrics.</summary>
    public ValueTask DisposeAsync()
    {
        Loggers.Dispose();
        Telemetry.Dispose();
        return ValueTask.CompletedTask;
    }
}
