using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>
/// An in-test OTLP/HTTP protobuf receiver on 127.0.0.1 (a collector's <c>/v1/traces</c>,
/// <c>/v1/metrics</c>, <c>/v1/logs</c>): decodes what exporters post and keeps it for assertions.
/// Point <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> at <see cref="Endpoint"/>. Any number of processes may
/// export to one receiver; series are told apart by their resource's <c>service.instance.id</c>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<OtlpMetricPoint> _metrics = new();
    private readonly ConcurrentQueue<OtlpLogRecord> _logs = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private OtlpReceiver(HttpListener listener, Uri endpoint)
    {
        _listener = listener;
        Endpoint = endpoint;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>http://127.0.0.1:PORT (no path: exporters add /v1/SIGNAL).</summary>
    public Uri Endpoint { get; }

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    public IReadOnlyList<OtlpMetricPoint> MetricPoints => [.. _metrics];

    public IReadOnlyList<OtlpLogRecord> Logs => [.. _logs];

    /// <summary>Requests that could not be decoded (a test asserts this stays empty).</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>Export requests answered, by path.</summary>
    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static OtlpReceiver Start()
    {
        var (listener, port) = LoopbackHttpListener.Start();
        return new OtlpReceiver(listener, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Spans named <paramref name="name"/>.</summary>
    public IReadOnlyList<OtlpSpan> SpansNamed(string name) => [.. _spans.Where(s => s.Name == name)];

    /// <summary>
    /// The total of a cumulative sum (or the latest gauge value) over every series of
    /// <paramref name="name"/> whose attributes satisfy <paramref name="where"/>: the latest point
    /// of each series, added up. Null when no point arrived.
    /// </summary>
    public double? Total(string name, Func<IReadOnlyDictionary<string, object?>, bool>? where = null)
    {
        var latest = LatestPoints(name, where);
        return latest.Count == 0 ? null : latest.Sum(p => p.Value ?? 0);
    }

    /// <summary>The latest histogram count summed over the series of <paramref name="name"/>; null when none arrived.</summary>
    public ulong? HistogramCount(string name, Func<IReadOnlyDictionary<string, object?>, bool>? where = null)
    {
        var latest = LatestPoints(name, where);
        return latest.Count == 0 ? null : latest.Aggregate(0UL, (sum, p) => sum + (p.Count ?? 0));
    }

    /// <summary>Waits until <paramref name="condition"/> holds over what arrived, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (clock.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException($"OTLP receiver: {what} did not arrive within {timeout} ({_spans.Count} spans, {_metrics.Count} points, errors: {string.Join("; ", _errors)})");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
            // Stopping the listener ends the loop with one of these.
        }
    }

    /// <summary>
    /// Decodes and keeps one export request for <paramref name="path"/> (<c>/v1/traces</c>,
    /// <c>/v1/metrics</c>, <c>/v1/logs</c>); false for another path. Throws <see cref="FormatException"/>
    /// on a malformed body. Other front ends (gRPC) feed the receiver through this.
    /// </summary>
    public bool Accept(string path, byte[] body)
    {
        switch (path)
        {
            case "/v1/traces": OtlpDecoder.DecodeTraces(body).ForEach(_spans.Enqueue); break;
            case "/v1/metrics": OtlpDecoder.DecodeMetrics(body).ForEach(_metrics.Enqueue); break;
            case "/v1/logs": OtlpDecoder.DecodeLogs(body).ForEach(_logs.Enqueue); break;
            default: return false;
        }

        Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        return true;
    }

    /// <summary>Records a request that could not be decoded.</summary>
    public void RecordError(string error) => _errors.Enqueue(error);

    private List<OtlpMetricPoint> LatestPoints(string name, Func<IReadOnlyDictionary<string, object?>, bool>? where) =>
        [.. _metrics.Where(p => p.Name == name && (where is null || where(p.Attributes)))
            .GroupBy(p => p.SeriesKey)
            .Select(series => series.MaxBy(p => p.TimeUnixNano)!)];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        try
        {
            using var body = new MemoryStream();
            var input = context.Request.Headers["Content-Encoding"] == "gzip"
                ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                : context.Request.InputStream;
            await input.CopyToAsync(body);
            if (!Accept(path, body.ToArray()))
            {
                context.Response.StatusCode = 404;
                context.Response.Close();
                return;
            }

            // An empty Export*ServiceResponse: full success.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
        catch (Exception ex)
        {
            RecordError($"{path}: {ex.GetType().Name}: {ex.Message}");
            context.Response.StatusCode = 400;
            context.Response.Close();
        }
    }
}
