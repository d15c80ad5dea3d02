namespace HeavySync.SqsTestServer;

/// <summary>One message in a queue, with its delivery state. Guarded by its queue's lock.</summary>
public sealed class StoredMessage(string id, long sequence, string body, IReadOnlyDictionary<string, AttributeValue> attributes, DateTimeOffset sentAt)
{
    public string Id { get; } = id;

    /// <summary>Order of arrival in its current queue.</summary>
    public long Sequence { get; set; } = sequence;

    public string Body { get; } = body;

    public IReadOnlyDictionary<string, AttributeValue> Attributes { get; } = attributes;

    public DateTimeOffset SentAt { get; } = sentAt;

    /// <summary>Invisible until then: delayed after a send, leased after a receive.</summary>
    public DateTimeOffset VisibleAt { get; set; }

    /// <summary>True while the invisibility comes from a send delay (counted as "delayed", not "not visible").</summary>
    public bool Delayed { get; set; }

    /// <summary>Receives so far (ApproximateReceiveCount).</summary>
    public int ReceiveCount { get; set; }

    public DateTimeOffset? FirstReceivedAt { get; set; }

    /// <summary>The nonce of the latest receipt handle: only that handle deletes or changes the message.</summary>
    public string? CurrentReceipt { get; set; }

    /// <summary>When the current receive began (visibility may not extend past 12 hours from it).</summary>
    public DateTimeOffset LastReceivedAt { get; set; }

    /// <summary>True once received and not yet visible again.</summary>
    public bool InFlight(DateTimeOffset now) => !Delayed && ReceiveCount > 0 && VisibleAt > now;
}
