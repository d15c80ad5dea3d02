using System.Collections.Concurrent;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Counts requests by operation and throttling answers.</summary>
public sealed class CountingObserver : IRequestObserver
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private int _throttled;

    public int Throttled => Volatile.Read(ref _throttled);

    public int this[string operation] => _counts.GetValueOrDefault(operation);

    public void OnRequest(string store, string operation) => _counts.AddOrUpdate(operation, 1, (_, n) => n + 1);

    public void OnThrottled(string store) => Interlocked.Increment(ref _throttled);

    public void Reset()
    {
        _counts.Clear();
        Volatile.Write(ref _throttled, 0);
    }
}
