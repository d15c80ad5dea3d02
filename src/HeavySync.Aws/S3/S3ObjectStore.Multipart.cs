using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Amazon.S3.Model;
using HeavySync.Hashing;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <summary>
    /// Multipart upload: parts are read from the stream in order, each into a pooled buffer, and
    /// uploaded with bounded parallelism (memory: parallelism × part size). Any failure or
    /// cancellation aborts the upload, so no half-written object or orphan upload stays behind.
    /// </summary>
    private async Task<ObjectEntry> PutMultipartAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        var partSize = S3PartSizing.Choose(request.Length, _options.MinPartSizeBytes, _options.MaxParts);
        var partCount = (int)((request.Length + partSize - 1) / partSize);
        var what = Describe("PUT", request.Key);

        // The whole-object MD5 goes into metadata only when the caller vouches for it (we verify it
        // while streaming); metadata must be fixed before the first part is read.
        var wholeMd5Base64 = request.Md5 is { Length: 32 } hex ? Convert.ToBase64String(Convert.FromHexString(hex)) : null;
        var init = await SendAsync(
            RequestOperations.Put,
            what,
            token =>
            {
                var start = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = FullKey(request.Key), ContentType = request.ContentType };
                AddMetadata(start.Metadata, request, wholeMd5Base64);
                return _client.InitiateMultipartUploadAsync(start, token);
            },
            cancellationToken).ConfigureAwait(false);
        var uploadId = init.UploadId;

        var partMd5s = new byte[partCount][];
        var partETags = new string[partCount];
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(_options.PartParallelism);
        var uploads = new List<Task>(partCount);
        try
        {
            // A hashing stream not yet read that expects this same MD5 (the copier's) fails the read
            // of the last byte on its own when the content differs: hashing it all again here would
            // only repeat that check.
            var checkedByContent = content is HashingReadStream { BytesRead: 0 } hashing
                && string.Equals(hashing.ExpectedMd5Hex, request.Md5, StringComparison.OrdinalIgnoreCase);
            using var whole = wholeMd5Base64 is null || checkedByContent ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            for (var part = 0; part < partCount; part++)
            {
                // Two budgets: this object's parallelism, and the store's parts in memory over all objects.
                await slots.WaitAsync(linked.Token).ConfigureAwait(false);
                try
                {
                    await _partBudget.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch
                {
                    slots.Release();
                    throw;
                }

                ThrowIfAnyFailed(uploads);
                var size = (int)Math.Min(partSize, request.Length - (part * partSize));
                var buffer = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    await ReadContentAsync(request.Key, content, buffer, size, linked.Token).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _partBudget.Release();
                    slots.Release();
                    throw;
                }

                whole?.AppendData(buffer, 0, size);
                uploads.Add(UploadPartAsync(request.Key, uploadId, part + 1, buffer, size, partMd5s, partETags, slots, linked.Token));
            }

            await EnsureContentEndedAsync(request, content, linked.Token).ConfigureAwait(false);
            if (whole is not null)
            {
                CheckExpectedMd5(request, Convert.ToHexStringLower(whole.GetHashAndReset()));
            }

            await Task.WhenAll(uploads).ConfigureAwait(false);
            var expected = MultipartETag.Compute(partMd5s);
            var stored = await CompleteUploadAsync(request.Key, uploadId, partETags, expected, cancellationToken).ConfigureAwait(false);
            return stored with { Md5 = stored.Md5 ?? request.Md5 };
        }
        catch (Exception ex)
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(uploads).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            await AbortUploadAsync(request.Key, uploadId).ConfigureAwait(false);
            var cause = FirstFailure(uploads) ?? ex;
            if (cause is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            if (cause is StoreException && !ReferenceEquals(cause, ex))
            {
                // A part failed first; the exception caught here is only its echo (cancellation).
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    private async Task UploadPartAsync(string key, string uploadId, int partNumber, byte[] buffer, int size, byte[][] partMd5s, string[] etags, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            // Hashed here, off the reading loop, so parts hash in parallel while the next one is read.
            await Task.Yield();
            var md5 = MD5.HashData(buffer.AsSpan(0, size));
            partMd5s[partNumber - 1] = md5;
            var response = await SendAsync(
                RequestOperations.Put,
                $"{Describe("PUT", key)} part {partNumber}",
                token => _client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = _bucket,
                        Key = FullKey(key),
                        UploadId = uploadId,
                        PartNumber = partNumber,
                        InputStream = new MemoryStream(buffer, 0, size, writable: false),
                        PartSize = size,
                        MD5Digest = Convert.ToBase64String(md5),

                        // The part is in memory: one signature over it rather than aws-chunked
                        // framing with a signature per 64 KiB chunk (Content-MD5 guards the bytes).
                        UseChunkEncoding = false,
                    },
                    token),
                cancellationToken).ConfigureAwait(false);
            etags[partNumber - 1] = response.ETag;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _partBudget.Release();
            slots.Release();
        }
    }

    /// <summary>Completes the upload and checks the stored ETag against <paramref name="expectedETag"/>
    /// (radosgw's Complete answers an empty ETag, so the check reads HeadObject).</summary>
    private async Task<ObjectEntry> CompleteUploadAsync(string key, string uploadId, string[] partETags, string expectedETag, CancellationToken cancellationToken)
    {
        var what = Describe("PUT", key);
        try
        {
            await SendAsync(
                RequestOperations.Put,
                what,
                token => _client.CompleteMultipartUploadAsync(
                    new CompleteMultipartUploadRequest
                    {
                        BucketName = _bucket,
                        Key = FullKey(key),
                        UploadId = uploadId,
                        PartETags = partETags.Select((etag, i) => new PartETag(i + 1, etag)).ToList(),
                    },
                    token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // A retried Complete whose first attempt succeeded finds no upload: the ETag check below
            // tells whether our object is the one stored.
            LogCompleteRetried(_logger, what);
        }

        GetObjectMetadataResponse head;
        try
        {
            head = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // Not "vanished": our upload was aborted under us (e.g. by another run's cleanup); write again.
            throw new StoreException(StoreErrorKind.Transient, $"{what}: the completed object is not visible", ex);
        }

        var stored = ToEntry(key, head);
        if (!string.Equals(stored.ETag, expectedETag, StringComparison.OrdinalIgnoreCase) && !ETagIsNotMd5(head.ServerSideEncryptionMethod))
        {
            throw new StoreException(StoreErrorKind.Transient, $"{what}: stored ETag {stored.ETag} differs from the computed {expectedETag}");
        }

        return stored;
    }

    /// <summary>Best effort: a failed abort leaves an upload that <see cref="CleanupIncompleteUploadsAsync"/> removes later.</summary>
    private async Task AbortUploadAsync(string key, string uploadId)
    {
        try
        {
            await SendAsync(
                RequestOperations.Delete,
                $"ABORT {Describe("PUT", key)}",
                token => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = FullKey(key), UploadId = uploadId }, token),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            LogAbortFailed(_logger, Describe("PUT", key), ex.Message);
        }
    }

    private static void ThrowIfAnyFailed(List<Task> uploads)
    {
        if (FirstFailure(uploads) is { } failure)
        {
            throw failure;
        }
    }

    private static Exception? FirstFailure(List<Task> uploads)
    {
        foreach (var upload in uploads)
        {
            if (upload.IsFaulted && upload.Exception?.InnerException is StoreException store)
            {
                return store;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: the upload was already completed by an earlier attempt; checking the stored ETag")]
    private static partial void LogCompleteRetried(ILogger logger, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}: aborting the incomplete upload failed ({Cause}); cleanup will remove it later")]
    private static partial void LogAbortFailed(ILogger logger, string what, string cause);
}
