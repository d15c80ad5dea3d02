namespace HeavySync.SqsTestServer;

/// <summary>
/// TEST-ONLY fault injection for client tests: failures are planned per action and consumed by the
/// next matching requests. Nothing is injected unless a test plans it; the standalone process never does.
/// </summary>
public sealed class SqsFaultInjection
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<InjectedFault>> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _entries = new(StringComparer.Ordinal);
    private int _corruptBodies;

    /// <summary>The next <paramref name="count"/> requests of <paramref name="action"/> fail with <paramref name="fault"/>.</summary>
    public void FailNextRequests(string action, int count, InjectedFault fault)
    {
        lock (_gate)
        {
            if (!_requests.TryGetValue(action, out var queue))
            {
                _requests[action] = queue = new Queue<InjectedFault>();
            }

            for (var i = 0; i < count; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    /// <summary>The next <paramref name="count"/> entries of <paramref name="action"/> batches fail with
    /// <c>InternalError</c>, <c>SenderFault: false</c> (a partial batch failure worth retrying).</summary>
    public void FailNextBatchEntries(string action, int count)
    {
        lock (_gate)
        {
            _entries[action] = _entries.GetValueOrDefault(action) + count;
        }
    }

    /// <summary>The next <paramref name="count"/> received messages come with a wrong MD5OfBody.</summary>
    public void CorruptNextReceivedBodies(int count)
    {
        lock (_gate)
        {
            _corruptBodies += count;
        }
    }

    internal InjectedFault? TakeRequestFault(string action)
    {
        lock (_gate)
        {
            return _requests.TryGetValue(action, out var queue) && queue.TryDequeue(out var fault) ? fault : null;
        }
    }

    internal bool TakeEntryFault(string action)
    {
        lock (_gate)
        {
            if (_entries.GetValueOrDefault(action) <= 0)
            {
                return false;
            }

            _entries[action]--;
            return true;
        }
    }

    internal bool TakeCorruptBody()
    {
        lock (_gate)
        {
            if (_corruptBodies <= 0)
            {
                return false;
            }

            _corruptBodies--;
            return true;
        }
    }
}
