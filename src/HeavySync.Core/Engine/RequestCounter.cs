using System.Collections.Concurrent;
using HeavySync.Storage;
using HeavySync.Telemetry;

namespace HeavySync.Engine;

/// <summary>
/// Counts store requests by operation (the cost of a run, shown in the summary) and forwards
/// throttling to the <see cref="ConcurrencyGovernor"/> once one is attached.
/// </summary>
public sealed class RequestCounter : IRequestObserver
{
    private readonly ConcurrentDictionary<(string Store, string Operation), long> counts = new();
    private readonly bool queue;

    /// <summary>A counter of store requests.</summary>
    public RequestCounter()
    {
    }

    /// <summary>A counter of work-queue requests when <paramref name="queue"/>: the exported
    /// <c>heavysync.store.requests</c> points then also carry <c>heavysync.queue</c> (the queue kind).</summary>
    public RequestCounter(bool queue) => this.queue = queue;

    /// <summary>Receives throttle signals (set by the engine while copying).</summary>
    public ConcurrencyGovernor? Governor { get; set; }

    /// <summary>Throttle answers seen.</summary>
    public long Throttled => Interlocked.Read(ref throttled);

    private long throttled;

    /// <inheritdoc />
    public void OnRequest(string store, string operation)
    {
        counts.AddOrUpdate((store, operation), 1, static (_, n) => n + 1);
        if (queue)
        {
            HeavySyncTelemetry.Requests.Add(1,
                new KeyValuePair<string, object?>(TelemetryTags.Store, store),
                new KeyValuePair<string, object?>(TelemetryTags.Operation, operation),
                new KeyValuePair<string, object?>(TelemetryTags.Queue, store));
            return;
        }

        HeavySyncTelemetry.Requests.Add(1,
            new KeyValuePair<string, object?>(TelemetryTags.Store, store),
            new KeyValuePair<string, object?>(TelemetryTags.Operation, operation));
    }

    /// <inheritdoc />
    public void OnThrottled(string store)
    {
        Interlocked.Increment(ref throttled);
        HeavySyncTelemetry.ThrottleEvents.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Store, store));
        Governor?.OnThrottled();
    }

    /// <inheritdoc />
    public void OnRetry(string store, StoreErrorKind kind) =>
        HeavySyncTelemetry.Retries.Add(1,
            new KeyValuePair<string, object?>(TelemetryTags.Layer, "request"),
            new KeyValuePair<string, object?>(TelemetryTags.Store, store),
            new KeyValuePair<string, object?>(TelemetryTags.ErrorKind, kind.ToString()));

    /// <summary>Totals per operation over all stores, in a stable order.</summary>
    /// <remarks>A plain loop: LINQ's grouping and sorting over these value tuples has no precompiled
    /// code and was compiled at run time, on the way to the summary every run ends with.</remarks>
    public IReadOnlyList<(string Operation, long Count)> ByOperation()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, count) in counts)
        {
            totals[key.Operation] = totals.GetValueOrDefault(key.Operation) + count;
        }

        var operations = new string[totals.Count];
        totals.Keys.CopyTo(operations, 0);
        Array.Sort(operations, StringComparer.Ordinal);
        var result = new List<(string Operation, long Count)>(operations.Length);
        foreach (var operation in operations)
        {
            result.Add((operation, totals[operation]));
        }

        return result;
    }

    /// <summary>Every request counted.</summary>
    public long Total => counts.Values.Sum();

    /// <summary>The count for one operation over all stores.</summary>
    public long Count(string operation) => counts.Where(kv => kv.Key.Operation == operation).Sum(kv => kv.Value);
}
