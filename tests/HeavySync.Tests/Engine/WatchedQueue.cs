using HeavySync.Queue;

namespace HeavySync.Tests.Engine;

/// <summary>A work queue that counts what passes through it (messages published and acknowledged)
/// and the receives that began when every published message was already acknowledged.</summary>
internal sealed class WatchedQueue(IWorkQueue inner) : IWorkQueue
{
    private int published;
    private int acked;
    private int receivesAfterEverythingAcked;

    public int Published => Volatile.Read(ref published);

    public int Acked => Volatile.Read(ref acked);

    public int ReceivesAfterEverythingAcked => Volatile.Read(ref receivesAfterEverythingAcked);

    public MessagingDestination Messaging => inner.Messaging;

    public async Task PublishAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken)
    {
        await inner.PublishAsync(messages, cancellationToken);
        Interlocked.Add(ref published, messages.Count);
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        var settled = Published > 0 && Acked == Published;
        var received = await inner.ReceiveAsync(maxMessages, wait, cancellationToken);
        if (settled)
        {
            Interlocked.Increment(ref receivesAfterEverythingAcked);
        }

        return received;
    }

    public async Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        await inner.AckAsync(message, cancellationToken);
        Interlocked.Increment(ref acked);
    }

    public async Task AckBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        await inner.AckBatchAsync(messages, cancellationToken);
        Interlocked.Add(ref acked, messages.Count);
    }

    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken) => inner.ReleaseAsync(message, delay, cancellationToken);

    public Task ReleaseBatchAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan delay, CancellationToken cancellationToken) => inner.ReleaseBatchAsync(messages, delay, cancellationToken);

    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken) => inner.ExtendLeaseAsync(message, extension, cancellationToken);

    public Task ExtendLeasesAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan extension, CancellationToken cancellationToken) => inner.ExtendLeasesAsync(messages, extension, cancellationToken);

    public Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken) => inner.GetApproximateDepthAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
