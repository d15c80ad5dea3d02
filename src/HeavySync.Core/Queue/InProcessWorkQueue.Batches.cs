namespace HeavySync.Queue;

public sealed partial class InProcessWorkQueue
{
    /// <inheritdoc />
    /// <remarks>No requests here: each message as <see cref="AckAsync"/>.</remarks>
    public async Task AckBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            await AckAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task ReleaseBatchAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            await ReleaseAsync(message, delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task ExtendLeasesAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            await ExtendLeaseAsync(message, extension, cancellationToken).ConfigureAwait(false);
        }
    }
}
