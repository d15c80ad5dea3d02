namespace HeavySync.Google.PubSub;

/// <summary>
/// Deliveries of each message seen by this process, for subscriptions without a dead-letter
/// policy (Pub/Sub reports <c>deliveryAttempt</c> only with one). A lower bound of the true count:
/// deliveries to other processes are not seen. Bounded: the oldest entries are forgotten first.
/// </summary>
internal sealed class DeliveryTally(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Counts one more delivery of <paramref name="messageId"/> and returns the count so far.</summary>
    public int Record(string messageId)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(messageId, out var seen))
            {
                _counts[messageId] = seen + 1;
                return seen + 1;
            }

            while (_counts.Count >= Math.Max(1, capacity) && _order.TryDequeue(out var oldest))
            {
                _counts.Remove(oldest);
            }

            _counts[messageId] = 1;
            _order.Enqueue(messageId);
            return 1;
        }
    }
}
