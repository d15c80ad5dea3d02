using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace HeavySync.Cli.Telemetry;

/// <summary>
/// The OpenTelemetry SDK of one CLI process (DESIGN.md §7): traces of the <c>HeavySync</c> and
/// <c>System.Net.Http</c> sources, metrics of the <c>HeavySync</c>, <c>System.Net.Http</c> and
/// <c>System.Runtime</c> meters, and logs, each exported over OTLP when the OpenTelemetry
/// environment asks for it (see <see cref="OtlpSettings"/>). When nothing is configured nothing is
/// built: no listener, no exporter, no thread (one-machine users pay nothing). Flushed and disposed
/// by <see cref="Dispose"/>, which also runs at process exit (SIGTERM) if the command has not run it.
/// </summary>
internal sealed class TelemetryHost : IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly TracerProvider? _tracer;
    private readonly MeterProvider? _meter;
    private readonly ResourceBuilder? _resource;
    private readonly OtlpTarget? _logs;
    private int _disposed;

    private TelemetryHost()
    {
    }

    private TelemetryHost(OtlpSettings settings, ResourceBuilder resource)
    {
        _resource = resource;
        _logs = settings.Logs;
        if (settings.Traces is { } traces)
        {
            _tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(HeavySyncTelemetry.Name, "System.Net.Http")
                .AddOtlpExporter(o => Configure(o, traces))
                .Build();
        }

        if (settings.Metrics is { } metrics)
        {
            _meter = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(HeavySyncTelemetry.Name, "System.Net.Http", "System.Runtime")
                .AddView(HeavySyncTelemetry.CopyDuration.Name, new ExplicitBucketHistogramConfiguration
                {
                    // Seconds: from a small object on a fast link to a huge multipart copy.
                    Boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
                })
                .AddOtlpExporter((o, reader) =>
                {
                    Configure(o, metrics);
                    reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                })
                .Build();
        }

        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>A host that exports nothing.</summary>
    public static TelemetryHost Disabled { get; } = new();

    /// <summary>True when any signal is exported.</summary>
    public bool IsEnabled => _resource is not null;

    /// <summary>
    /// Starts telemetry for one role of the CLI (<c>sync</c>, <c>lister</c>, <c>copier</c>,
    /// <c>finalizer</c>, <c>check</c>): service name <c>heavysync-ROLE</c>; <paramref name="job"/>
    /// and <paramref name="run"/> become resource attributes when the caller knows them. Returns
    /// <see cref="Disabled"/> when no OTLP endpoint is set. Throws <see cref="Commands.UsageException"/>
    /// for a malformed OTLP variable.
    /// </summary>
    public static TelemetryHost Start(string role, string? job = null, long? run = null) =>
        Start(role, job, run, Environment.GetEnvironmentVariable);

    /// <summary><see cref="Start(string, string?, long?)"/> reading variables through <paramref name="environment"/>.</summary>
    internal static TelemetryHost Start(string role, string? job, long? run, Func<string, string?> environment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        var settings = OtlpSettings.FromEnvironment(environment);
        return settings.Any ? new TelemetryHost(settings, TelemetryResource.Create(role, job, run, environment)) : Disabled;
    }

    /// <summary>
    /// Adds OTLP log export to a logger factory being built (when logs are exported). Log records
    /// carry the trace and span of the activity they were written in; OTLP gets Information and
    /// above whatever the console shows.
    /// </summary>
    public void AddLogging(ILoggingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (_logs is not { } logs || _resource is null)
        {
            return;
        }

        var resource = _resource;
        builder.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(resource);
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
            o.AddOtlpExporter(e => Configure(e, logs));
        });
        builder.AddFilter<OpenTelemetryLoggerProvider>(null, LogLevel.Information);
    }

    /// <summary>
    /// Exports what is buffered now (bounded wait), keeping the providers running: a role calls it
    /// while its observable instruments (the queue depth sampler) still have their last values.
    /// </summary>
    public void Flush()
    {
        if (Volatile.Read(ref _disposed) != 0 || !IsEnabled)
        {
            return;
        }

        _tracer?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
        _meter?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
    }

    /// <summary>Flushes what is buffered (bounded wait) and shuts the providers down. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !IsEnabled)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _tracer?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
        _meter?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
        _tracer?.Dispose();
        _meter?.Dispose();
    }

    private static void Configure(OtlpExporterOptions options, OtlpTarget target)
    {
        options.Endpoint = target.Endpoint;
        options.Protocol = target.Protocol;
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
