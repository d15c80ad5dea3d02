using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HeavySync.Telemetry;

namespace HeavySync.Tests.Telemetry;

/// <summary>Collects every measurement of the HeavySync meter while alive (tests in <see cref="TelemetryCollection"/> only: the instruments are process-wide).</summary>
public sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public MetricCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == HeavySyncTelemetry.Meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
        _listener.Start();
    }

    /// <summary>Sum of the measurements of <paramref name="name"/> whose tags include every pair in <paramref name="tags"/>.</summary>
    public double Sum(string name, params (string Key, object Value)[] tags) =>
        _measurements.Where(m => m.Name == name && tags.All(t => m.Tags.Any(x => x.Key == t.Key && Equals(x.Value, t.Value)))).Sum(m => m.Value);

    /// <summary>Number of measurements of <paramref name="name"/>.</summary>
    public int Count(string name) => _measurements.Count(m => m.Name == name);

    /// <summary>Polls observable instruments now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}

/// <summary>Tests that listen to the process-wide HeavySync meter and source run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
