using System.Globalization;
using System.Text.Json;
using HeavySync.Aws.Sqs.Protocol;
using HeavySync.Storage;

namespace HeavySync.Aws.Sqs;

public sealed partial class SqsClient
{
    /// <summary>Most entries SQS takes in one batch request.</summary>
    public const int MaxBatchEntries = 10;

    /// <summary>Most bytes of bodies and attributes SQS takes in one message and in one batch (256 KiB).</summary>
    public const int MaxBatchBytes = 256 * 1024;

    /// <summary>
    /// Sends up to 10 messages in one SendMessageBatch. Entries that fail on the service's side
    /// (<c>SenderFault: false</c>) or whose stored body's MD5 differs from what was sent are sent again,
    /// alone, with backoff, up to <see cref="SqsQueueOptions.MaxAttempts"/>; entries the service refuses
    /// (<c>SenderFault: true</c>) are not retried.
    /// </summary>
    /// <returns>The sent entries (their ids and message ids).</returns>
    /// <exception cref="StoreException"><see cref="StoreErrorKind.Permanent"/> when entries were refused
    /// (the others were sent); <see cref="StoreErrorKind.Transient"/> when entries still failed after every attempt.</exception>
    public async Task<IReadOnlyList<SendMessageBatchResultEntry>> SendMessageBatchAsync(
        Uri queueUrl, IReadOnlyList<SendMessageBatchEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries.Count, MaxBatchEntries, nameof(entries));
        // Duplicate ids are the service's to refuse (BatchEntryIdsNotDistinct), not a local crash.
        var byId = entries.GroupBy(e => e.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var what = What("SendMessageBatch", queueUrl);
        var result = await InvokeBatchAsync<SendMessageBatchEntry, SendMessageBatchResultEntry>(
            "SendMessageBatch",
            queueUrl,
            entries,
            entry => entry.Id,
            sent => SqsChecksums.BodyMd5(byId[sent.Id].MessageBody).Equals(sent.MD5OfMessageBody, StringComparison.OrdinalIgnoreCase)
                ? null
                : new BatchResultErrorEntry(sent.Id, "MD5OfMessageBodyMismatch", "the stored body differs from the sent one", SenderFault: false),
            cancellationToken).ConfigureAwait(false);
        if (result.Failed.Count > 0)
        {
            var first = result.Failed[0];
            throw new StoreException(
                StoreErrorKind.Permanent,
                $"{what}: {result.Failed.Count} of {entries.Count} messages refused: {first.Code}{(first.Message is null ? string.Empty : " (" + first.Message + ")")}");
        }

        return result.Successful;
    }

    /// <summary>
    /// Receives up to <see cref="ReceiveRequest.MaxNumberOfMessages"/> messages, long polling for up to
    /// <see cref="ReceiveRequest.WaitTimeSeconds"/>. Every message's body is checked against
    /// <c>MD5OfBody</c> (and attributes against <c>MD5OfMessageAttributes</c>); a mismatch fails the
    /// receive as <see cref="StoreErrorKind.Transient"/> (the messages stay leased and come again).
    /// </summary>
    public async Task<IReadOnlyList<SqsMessage>> ReceiveMessageAsync(Uri queueUrl, ReceiveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxNumberOfMessages, 1, nameof(request));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.MaxNumberOfMessages, MaxBatchEntries, nameof(request));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.WaitTimeSeconds, 20, nameof(request));
        var what = What("ReceiveMessage", queueUrl);
        var body = new ReceiveMessageRequest(
            queueUrl.AbsoluteUri,
            request.MaxNumberOfMessages,
            request.WaitTimeSeconds,
            request.VisibilityTimeoutSeconds,
            request.MessageAttributeNames,
            request.SystemAttributeNames,
            AttributeNames: request.SystemAttributeNames);
        var answer = await _pipeline.ExecuteAsync(
            async token =>
            {
                var json = await SendOnceAsync("ReceiveMessage", JsonSerializer.SerializeToUtf8Bytes(body, SqsJson.TypeInfo<ReceiveMessageRequest>()), what, _options.RequestTimeout + TimeSpan.FromSeconds(request.WaitTimeSeconds), token).ConfigureAwait(false);
                var messages = json.TryGetProperty("Messages", out var list) ? Deserialize<List<SqsMessage>>(list, what) : [];
                foreach (var message in messages)
                {
                    Verify(message, what);
                }

                return messages;
            },
            cancellationToken).ConfigureAwait(false);
        return answer;
    }

    /// <summary>
    /// Deletes up to 10 received messages in one DeleteMessageBatch. Service-side entry failures are
    /// retried with backoff; entries the service refuses (an invalid receipt handle) come back in
    /// <see cref="BatchResult{TSuccess}.Failed"/> for the caller to judge.
    /// </summary>
    /// <exception cref="StoreException">The request failed, or entries still failed after every attempt.</exception>
    public Task<BatchResult<IdEntry>> DeleteMessageBatchAsync(Uri queueUrl, IReadOnlyList<DeleteMessageBatchEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries.Count, MaxBatchEntries, nameof(entries));
        return InvokeBatchAsync<DeleteMessageBatchEntry, IdEntry>("DeleteMessageBatch", queueUrl, entries, entry => entry.Id, static _ => null, cancellationToken);
    }

    /// <summary>
    /// Changes the visibility of up to 10 received messages in one ChangeMessageVisibilityBatch (a
    /// heartbeat for many, or a nack of many). Service-side entry failures are retried with backoff;
    /// entries the service refuses (an expired receipt handle) come back in
    /// <see cref="BatchResult{TSuccess}.Failed"/> for the caller to judge.
    /// </summary>
    /// <exception cref="StoreException">The request failed, or entries still failed after every attempt.</exception>
    public Task<BatchResult<IdEntry>> ChangeMessageVisibilityBatchAsync(Uri queueUrl, IReadOnlyList<ChangeMessageVisibilityBatchEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries.Count, MaxBatchEntries, nameof(entries));
        return InvokeBatchAsync<ChangeMessageVisibilityBatchEntry, IdEntry>("ChangeMessageVisibilityBatch", queueUrl, entries, entry => entry.Id, static _ => null, cancellationToken);
    }

    /// <summary>Makes a received message invisible for <paramref name="visibilityTimeoutSeconds"/> from now
    /// (0 = visible again at once). A heartbeat for long work, or a nack with a delay.</summary>
    /// <exception cref="StoreException">The request failed; an expired handle is
    /// <see cref="StoreErrorKind.Permanent"/> with the service code in the inner <see cref="SqsServiceException"/>.</exception>
    public async Task ChangeMessageVisibilityAsync(Uri queueUrl, string receiptHandle, int visibilityTimeoutSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        ArgumentException.ThrowIfNullOrEmpty(receiptHandle);
        ArgumentOutOfRangeException.ThrowIfNegative(visibilityTimeoutSeconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(visibilityTimeoutSeconds, 43_200);
        var body = new ChangeMessageVisibilityRequest(queueUrl.AbsoluteUri, receiptHandle, visibilityTimeoutSeconds);
        await InvokeAsync("ChangeMessageVisibility", body, What("ChangeMessageVisibility", queueUrl), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One batch action with retries of its failed entries: the whole request is retried by the
    /// pipeline; entries failing on the service's side are sent again (only they) with backoff.
    /// </summary>
    /// <remarks>The <c>check</c> callback takes a second look at a successful entry: an error entry
    /// it returns makes that entry count as a retryable failure.</remarks>
    private async Task<BatchResult<TSuccess>> InvokeBatchAsync<TEntry, TSuccess>(
        string action,
        Uri queueUrl,
        IReadOnlyList<TEntry> entries,
        Func<TEntry, string> idOf,
        Func<TSuccess, BatchResultErrorEntry?> check,
        CancellationToken cancellationToken)
        where TSuccess : class
    {
        var what = What(action, queueUrl);
        var successful = new List<TSuccess>(entries.Count);
        var refused = new List<BatchResultErrorEntry>();
        var pending = entries;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var answer = await InvokeAsync(action, new BatchRequest<TEntry>(queueUrl.AbsoluteUri, pending), what, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            var result = Deserialize<BatchResult<TSuccess>>(answer, what);
            var retry = new HashSet<string>(StringComparer.Ordinal);
            BatchResultErrorEntry? lastRetryable = null;
            foreach (var entry in result.Successful ?? [])
            {
                if (check(entry) is { } problem)
                {
                    retry.Add(problem.Id);
                    lastRetryable = problem;
                }
                else
                {
                    successful.Add(entry);
                }
            }

            foreach (var failure in result.Failed ?? [])
            {
                if (failure.SenderFault)
                {
                    refused.Add(failure);
                }
                else
                {
                    retry.Add(failure.Id);
                    lastRetryable = failure;
                }
            }

            if (retry.Count == 0)
            {
                break;
            }

            if (attempt >= _options.MaxAttempts)
            {
                var kind = SqsErrorMapper.Classify(lastRetryable!.Code, null, System.Net.HttpStatusCode.InternalServerError);
                throw new StoreException(
                    kind is StoreErrorKind.Throttled ? kind : StoreErrorKind.Transient,
                    $"{what}: {retry.Count} entries still failing after {attempt} attempts: {lastRetryable.Code}");
            }

            await Task.Delay(BackoffDelay(attempt), _time, cancellationToken).ConfigureAwait(false);
            pending = [.. pending.Where(entry => retry.Contains(idOf(entry)))];
        }

        return new BatchResult<TSuccess>(successful, refused);
    }

    private static void Verify(SqsMessage message, string what)
    {
        if (!SqsChecksums.BodyMd5(message.Body).Equals(message.MD5OfBody, StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(StoreErrorKind.Transient, $"{what}: MD5OfBody mismatch for message {message.MessageId}: the body was damaged in transit");
        }

        if (message.MD5OfMessageAttributes is { Length: > 0 } expected
            && message.MessageAttributes is { Count: > 0 } attributes
            && attributes.Values.All(value => value.DataType.StartsWith("String", StringComparison.Ordinal) || value.DataType.StartsWith("Number", StringComparison.Ordinal))
            && !string.Equals(SqsChecksums.AttributesMd5(attributes), expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(StoreErrorKind.Transient, $"{what}: MD5OfMessageAttributes mismatch for message {message.MessageId}");
        }
    }

    private static string What(string action, Uri queueUrl) =>
        string.Create(CultureInfo.InvariantCulture, $"SQS {action} {queueUrl.AbsolutePath.TrimEnd('/').Split('/')[^1]}");
}
