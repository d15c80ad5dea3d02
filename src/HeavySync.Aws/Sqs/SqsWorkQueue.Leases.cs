using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Queue;
using HeavySync.Storage;

namespace HeavySync.Aws.Sqs;

public sealed partial class SqsWorkQueue
{
    /// <summary>Codes meaning the receipt handle no longer leases the message (expired, superseded, deleted).</summary>
    internal static bool IsExpiredLease(string code) =>
        code is "ReceiptHandleIsInvalid" or "AWS.SimpleQueueService.ReceiptHandleIsInvalid"
            or "MessageNotInflight" or "AWS.SimpleQueueService.MessageNotInflight"
            or "InvalidParameterValue";

    /// <inheritdoc />
    /// <remarks>Shares a DeleteMessageBatch with concurrent acknowledgements and completes once the
    /// delete is done. An expired or superseded receipt handle is harmless: SQS then may keep the
    /// message, which is delivered again (at-least-once).</remarks>
    /// <exception cref="StoreException">The delete failed after retries.</exception>
    public Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfDisposed();
        return _acks.AckAsync(message.LeaseToken, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>DeleteMessageBatch requests of 10 (shared with concurrent acknowledgements).</remarks>
    public Task AckBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ThrowIfDisposed();
        return Task.WhenAll(messages.Select(m => _acks.AckAsync(m.LeaseToken, cancellationToken)));
    }

    /// <inheritdoc />
    /// <remarks>ChangeMessageVisibility to the delay (whole seconds, rounded up; at most 12 hours).
    /// An expired lease is ignored.</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ChangeVisibilityAsync(message, delay, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>ChangeMessageVisibilityBatch requests of 10. Expired leases are ignored.</remarks>
    public Task ReleaseBatchAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return ChangeVisibilityBatchAsync([.. messages.Select(m => m.LeaseToken)], delay, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>ChangeMessageVisibility: the lease then ends <paramref name="extension"/> from now (whole
    /// seconds, rounded up; SQS refuses to extend past 12 hours after the first receive). An expired
    /// lease is ignored.</remarks>
    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        return ChangeVisibilityAsync(message, extension, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>ChangeMessageVisibilityBatch requests of 10. Expired leases are ignored.</remarks>
    public Task ExtendLeasesAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        return ChangeVisibilityBatchAsync([.. messages.Select(m => m.LeaseToken)], extension, cancellationToken);
    }

    private async Task ChangeVisibilityAsync(ReceivedMessage message, TimeSpan visibility, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        try
        {
            await _client.ChangeMessageVisibilityAsync(_queueUrl, message.LeaseToken, CeilingSeconds(visibility), cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Permanent && ex.InnerException is SqsServiceException service && IsExpiredLease(service.Code))
        {
            // The lease is gone: the message is (or will be) delivered again, as the contract allows.
        }
    }

    /// <summary>Sets the visibility of many receipt handles, 10 per request, the requests side by side.</summary>
    private Task ChangeVisibilityBatchAsync(IReadOnlyList<string> receiptHandles, TimeSpan visibility, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return SendVisibilityBatchesAsync(receiptHandles, visibility, cancellationToken);
    }

    /// <summary>The requests of <see cref="ChangeVisibilityBatchAsync"/>; also used while disposing, for abandoned polls.</summary>
    private async Task SendVisibilityBatchesAsync(IReadOnlyList<string> receiptHandles, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var seconds = CeilingSeconds(visibility);
        var results = await Task.WhenAll(receiptHandles.Chunk(SqsClient.MaxBatchEntries).Select(chunk =>
            _client.ChangeMessageVisibilityBatchAsync(
                _queueUrl,
                [.. chunk.Select((handle, i) => new ChangeMessageVisibilityBatchEntry("v" + i, handle, seconds))],
                cancellationToken))).ConfigureAwait(false);
        var refused = results.SelectMany(r => r.Failed).FirstOrDefault(f => !IsExpiredLease(f.Code));
        if (refused is not null)
        {
            throw new StoreException(StoreErrorKind.Permanent, $"SQS ChangeMessageVisibilityBatch: visibility not changed: {refused.Code}");
        }
    }
}
