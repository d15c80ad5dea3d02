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
    /// <remarks>ChangeMessageVisibility to the delay (whole seconds, rounded up; at most 12 hours).
    /// An expired lease is ignored.</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ChangeVisibilityAsync(message, delay, cancellationToken);
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
}
