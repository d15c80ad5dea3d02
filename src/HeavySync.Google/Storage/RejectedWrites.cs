using System.Collections.Concurrent;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// Objects this store wrote that then failed their verification (the server stored them, but with
/// another size or checksum than was sent), per key, with the expectation each write replaced. Such
/// an object is ours and wrong; the task's next attempt still carries the listing's expectation and
/// would be refused (412) by it. <see cref="Effective"/> lets that attempt expect our generation
/// instead, only when it replaced exactly what the attempt expects, so an object someone else wrote
/// is never taken for ours. Objects that passed verification are not kept: a repeated write of the
/// same content then meets the stored object (412, identical content) and keeps its generation.
/// Bounded: the oldest entries go first.
/// </summary>
internal sealed class RejectedWrites
{
    private const int Capacity = 4096;
    private readonly ConcurrentDictionary<string, (ExpectedDestination Replaced, long Generation)> _writes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>Notes that <paramref name="generation"/>, stored at <paramref name="key"/> by a write that expected <paramref name="replaced"/>, failed its verification.</summary>
    public void Note(string key, ExpectedDestination? replaced, long generation)
    {
        if (replaced is null || generation <= 0)
        {
            return;
        }

        // An earlier entry for the key keeps the expectation it replaced: the listing's.
        var first = _writes.TryGetValue(key, out var earlier) && earlier.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture) == replaced.Version
            ? earlier.Replaced
            : replaced;
        _writes[key] = (first, generation);
        _order.Enqueue(key);
        while (_order.Count > Capacity && _order.TryDequeue(out var old))
        {
            if (!string.Equals(old, key, StringComparison.Ordinal))
            {
                _writes.TryRemove(old, out _);
            }
        }
    }

    /// <summary>The precondition to send for a write of <paramref name="key"/> that expects
    /// <paramref name="expected"/>: our own rejected generation when it replaced exactly that.</summary>
    public ExpectedDestination? Effective(string key, ExpectedDestination? expected) =>
        expected is not null && _writes.TryGetValue(key, out var write) && write.Replaced == expected
            ? ExpectedDestination.AtVersion(write.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : expected;
}
