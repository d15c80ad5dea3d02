using System.Collections.Concurrent;
using System.Diagnostics;
using HeavySync.Telemetry;

namespace HeavySync.Tests.Telemetry;

/// <summary>Records every stopped span of the HeavySync source while alive (tests in <see cref="TelemetryCollection"/> only: the source is process-wide).</summary>
public sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == HeavySyncTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Every span stopped so far.</summary>
    public IReadOnlyList<Activity> All => [.. _spans];

    /// <summary>The stopped spans named <paramref name="name"/>.</summary>
    public IReadOnlyList<Activity> Named(string name) => [.. _spans.Where(s => s.OperationName == name)];

    public void Dispose() => _listener.Dispose();
}
