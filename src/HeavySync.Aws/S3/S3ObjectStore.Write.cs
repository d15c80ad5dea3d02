using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <inheritdoc />
    /// <remarks>Up to <see cref="S3StoreOptions.SinglePutThresholdBytes"/> one PutObject (with
    /// Content-MD5); above, a multipart upload whose ETag is checked against the one computed from
    /// the part MD5s. The source mtime goes into the "mtime" metadata (rclone's format).</remarks>
    public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Length);
        return request.Length <= _options.SinglePutThresholdBytes
            ? PutSingleAsync(request, content, cancellationToken)
            : PutMultipartAsync(request, content, cancellationToken);
    }

    private async Task<ObjectEntry> PutSingleAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        var length = (int)request.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            // Buffered whole so a retry can resend it; the threshold bounds the buffer.
            await ReadContentAsync(request.Key, content, buffer, length, cancellationToken).ConfigureAwait(false);
            await EnsureContentEndedAsync(request, content, cancellationToken).ConfigureAwait(false);
            var md5 = MD5.HashData(buffer.AsSpan(0, length));
            var md5Hex = Convert.ToHexStringLower(md5);
            CheckExpectedMd5(request, md5Hex);

            var (sentETag, encryption) = await PutBufferAsync(request, new ArraySegment<byte>(buffer, 0, length), md5, cancellationToken).ConfigureAwait(false);
            var etag = TrimETag(sentETag);
            if (etag is not null && etag != md5Hex && !ETagIsNotMd5(encryption))
            {
                throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: stored ETag {etag} differs from the content MD5 {md5Hex}");
            }

            if (request.LastModified is null)
            {
                // Only the server knows the stored time: ask it.
                return await StatStoredAsync(request.Key, cancellationToken).ConfigureAwait(false);
            }

            return new ObjectEntry(request.Key, request.Length)
            {
                ETag = etag ?? md5Hex,
                Md5 = md5Hex,
                LastModified = request.LastModified,
                Version = null, // as in listings: see StatAsync
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One PutObject of a buffered body: straight over HTTP for small bodies the direct path
    /// can address (<see cref="S3DirectPut"/>), else through the SDK. Both go through the same retry
    /// pipeline, request counting and error mapping; returns the ETag and encryption the server reports.</summary>
    private async Task<(string? ETag, ServerSideEncryptionMethod? Encryption)> PutBufferAsync(
        WriteRequest request, ArraySegment<byte> body, byte[] md5, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(request.Key);
        var what = Describe("PUT", request.Key);
        var metadata = MetadataOf(request, null);
        var contentType = S3DirectPut.ContentTypeFor(fullKey, request.ContentType);
        if (DirectPutTarget(fullKey, body.Count, contentType, metadata) is { } uri)
        {
            Interlocked.Increment(ref _directPuts);
            return await SendAsync(
                RequestOperations.Put,
                what,
                token => _directPut!.Value!.PutAsync(uri, body, md5, contentType, metadata, token),
                cancellationToken).ConfigureAwait(false);
        }

        var response = await SendAsync(
            RequestOperations.Put,
            what,
            token =>
            {
                var put = new PutObjectRequest
                {
                    BucketName = _bucket,
                    Key = fullKey,
                    InputStream = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false),
                    AutoCloseStream = true,
                    MD5Digest = Convert.ToBase64String(md5),
                    ContentType = request.ContentType,

                    // One signature over the buffered body instead of aws-chunked framing with a
                    // signature per chunk: less work on both ends, and Content-MD5 guards the bytes.
                    UseChunkEncoding = false,
                };
                AddMetadata(put.Metadata, request, null);
                return _client.PutObjectAsync(put, token);
            },
            cancellationToken).ConfigureAwait(false);
        return (response.ETag, response.ServerSideEncryptionMethod);
    }

    /// <summary>The URI to PUT to directly, or null when this PUT goes through the SDK.</summary>
    private Uri? DirectPutTarget(string fullKey, int length, string contentType, List<KeyValuePair<string, string>> metadata)
    {
        if (_directPut is null || length > _options.DirectPutMaxBytes || !S3DirectPut.IsPlainHeaderValue(contentType) || _directPut.Value is not { } directPut)
        {
            return null;
        }

        foreach (var (name, value) in metadata)
        {
            if (!S3DirectPut.IsPlainHeaderValue(name) || !S3DirectPut.IsPlainHeaderValue(value))
            {
                return null;
            }
        }

        return directPut.ObjectUri(fullKey);
    }

    /// <summary>SSE-KMS objects have ETags that are not content MD5s (AWS S3 documents this).</summary>
    private static bool ETagIsNotMd5(ServerSideEncryptionMethod? encryption) =>
        encryption is not null && (encryption == ServerSideEncryptionMethod.AWSKMS || encryption == ServerSideEncryptionMethod.AWSKMSDSSE);

    private async Task<ObjectEntry> StatStoredAsync(string key, CancellationToken cancellationToken) =>
        await StatAsync(key, cancellationToken).ConfigureAwait(false)
        ?? throw new StoreException(StoreErrorKind.Transient, $"{Describe("HEAD", key)}: the object just written is not visible");

    private static void AddMetadata(MetadataCollection metadata, WriteRequest request, string? wholeMd5Base64)
    {
        foreach (var (name, value) in MetadataOf(request, wholeMd5Base64))
        {
            metadata.Add(name, value);
        }
    }

    /// <summary>The user metadata an upload stores (names without the x-amz-meta- prefix).</summary>
    private static List<KeyValuePair<string, string>> MetadataOf(WriteRequest request, string? wholeMd5Base64)
    {
        var metadata = new List<KeyValuePair<string, string>>(2);
        if (request.LastModified is { } mtime)
        {
            metadata.Add(KeyValuePair.Create(S3Metadata.Mtime, S3Metadata.FormatMtime(mtime)));
        }

        if (wholeMd5Base64 is not null)
        {
            metadata.Add(KeyValuePair.Create(S3Metadata.Md5, wholeMd5Base64));
        }

        return metadata;
    }

    private static void CheckExpectedMd5(WriteRequest request, string actualHex)
    {
        if (request.Md5 is { } expected && !string.Equals(expected, actualHex, StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(StoreErrorKind.Transient, $"content of '{request.Key}' has MD5 {actualHex}, expected {expected} (did the source change while reading?)");
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; a short stream fails the write.</summary>
    private static async Task ReadContentAsync(string key, Stream content, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var total = 0;
        try
        {
            while (total < count)
            {
                var read = await content.ReadAsync(buffer.AsMemory(total, count - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (Exception ex) when (ex is not StoreException and not OperationCanceledException)
        {
            throw new StoreException(StoreErrorKind.Transient, $"reading the content for '{key}' failed: {ex.GetType().Name}", ex);
        }

        if (total < count)
        {
            throw new StoreException(StoreErrorKind.Transient, $"the content for '{key}' ended after {total} of {count} bytes of a part");
        }
    }

    /// <summary>The stream must yield exactly the declared length: one byte more fails the write.</summary>
    private static async Task EnsureContentEndedAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        int extra;
        try
        {
            extra = await content.ReadAsync(probe, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not StoreException and not OperationCanceledException)
        {
            throw new StoreException(StoreErrorKind.Transient, $"reading the content for '{request.Key}' failed: {ex.GetType().Name}", ex);
        }

        if (extra != 0)
        {
            throw new StoreException(StoreErrorKind.Transient, $"the content for '{request.Key}' is longer than the declared {request.Length} bytes");
        }
    }
}
