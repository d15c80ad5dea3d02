namespace HeavySync.SqsTestServer;

/// <summary>
/// One standard queue: messages in arrival order, each visible, delayed or in flight. Receives hand
/// out a new receipt handle each time; an in-flight message becomes visible again when its
/// visibility timeout passes; with a redrive policy, a message received maxReceiveCount times moves
/// to the dead-letter queue on its next receive. Long polls wake on any change that may make a
/// message visible. Split by concern: receiving and leases in SqsQueue.Receive.cs.
/// </summary>
public sealed partial class SqsQueue
{
    private readonly Lock _gate = new();
    private readonly LinkedList<StoredMessage> _messages = new();
    private readonly Dictionary<string, LinkedListNode<StoredMessage>> _byId = new(StringComparer.Ordinal);
    private readonly Func<string, SqsQueue?> _findByArn;
    private readonly TimeProvider _time;
    private TaskCompletionSource _changed = NewSignal();
    private long _nextSequence;

    public SqsQueue(string name, string url, string arn, QueueSettings settings, Func<string, SqsQueue?> findByArn, TimeProvider time)
    {
        Name = name;
        Url = url;
        Arn = arn;
        Settings = settings;
        _findByArn = findByArn;
        _time = time;
        CreatedAt = time.GetUtcNow();
        LastModifiedAt = CreatedAt;
    }

    public string Name { get; }

    public string Url { get; }

    public string Arn { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset LastModifiedAt { get; private set; }

    public QueueSettings Settings { get; private set; }

    public void Update(QueueSettings settings)
    {
        lock (_gate)
        {
            Settings = settings;
            LastModifiedAt = _time.GetUtcNow();
            Signal();
        }
    }

    /// <summary>Stores a new message; invisible for <paramref name="delaySeconds"/> (null: the queue's DelaySeconds).</summary>
    public StoredMessage Send(string body, IReadOnlyDictionary<string, AttributeValue> attributes, int? delaySeconds)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var delay = delaySeconds ?? Settings.DelaySeconds;
            var message = new StoredMessage(Guid.NewGuid().ToString(), _nextSequence++, body, attributes, now)
            {
                VisibleAt = now.AddSeconds(delay),
                Delayed = delay > 0,
            };
            _byId[message.Id] = _messages.AddLast(message);
            Signal();
            return message;
        }
    }

    /// <summary>Takes in a message moved here by a redrive: visible at once, its receive count kept.</summary>
    public void Adopt(StoredMessage message)
    {
        lock (_gate)
        {
            message.Sequence = _nextSequence++;
            message.VisibleAt = _time.GetUtcNow();
            message.Delayed = false;
            message.CurrentReceipt = null;
            _byId[message.Id] = _messages.AddLast(message);
            Signal();
        }
    }

    /// <summary>Removes every message.</summary>
    public void Purge()
    {
        lock (_gate)
        {
            _messages.Clear();
            _byId.Clear();
        }
    }

    /// <summary>(visible, in flight, delayed) right now: exact here, "approximate" in SQS's words.</summary>
    public (long Visible, long NotVisible, long Delayed) Counts()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            long visible = 0, notVisible = 0, delayed = 0;
            foreach (var message in _messages)
            {
                if (message.VisibleAt <= now)
                {
                    visible++;
                }
                else if (message.Delayed)
                {
                    delayed++;
                }
                else
                {
                    notVisible++;
                }
            }

            return (visible, notVisible, delayed);
        }
    }

    /// <summary>Wakes every long poll (the queue is going away).</summary>
    public void WakeAll()
    {
        lock (_gate)
        {
            Signal();
        }
    }

    /// <summary>Caller holds the gate.</summary>
    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
