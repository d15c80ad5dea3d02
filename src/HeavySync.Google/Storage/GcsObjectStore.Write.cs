using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <inheritdoc />
    /// <remarks>Up to <see cref="GcsStoreOptions.SimpleUploadThresholdBytes"/> one multipart upload
    /// carrying md5Hash and crc32c, which the server checks; above, a resumable upload in chunks
    /// (see <see cref="UploadResumableAsync"/>). Either way the stored md5Hash / crc32c are compared
    /// with what was sent. The source mtime goes into the "mtime" metadata (rclone's format).
    /// <see cref="WriteRequest.ExpectedDestination"/> becomes <c>ifGenerationMatch</c> (0 for a key
    /// listed absent); a refused precondition is <see cref="StoreErrorKind.Permanent"/> unless the key
    /// already holds exactly this content (see <see cref="ResolveWriteConflictAsync"/>).</remarks>
    public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Length);
        var expected = _rejectedWrites.Effective(FullKey(request.Key), request.ExpectedDestination);
        return request.Length <= _options.SimpleUploadThresholdBytes
            ? UploadSimpleAsync(request, expected, content, cancellationToken)
            : UploadResumableAsync(request, expected, content, cancellationToken);
    }

    private async Task<ObjectEntry> UploadSimpleAsync(WriteRequest request, ExpectedDestination? expected, Stream content, CancellationToken cancellationToken)
    {
        var length = (int)request.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            // Buffered whole so a retry can resend it; the threshold bounds the buffer.
            await ContentReader.ReadExactlyAsync(request.Key, content, buffer.AsMemory(0, length), request.Length, cancellationToken).ConfigureAwait(false);
            await ContentReader.EnsureEndedAsync(request.Key, content, request.Length, cancellationToken).ConfigureAwait(false);
            var md5 = MD5.HashData(buffer.AsSpan(0, length));
            var md5Hex = Convert.ToHexStringLower(md5);
            var crc = Crc32c.Compute(buffer.AsSpan(0, length));
            CheckExpectedMd5(request, md5Hex);
            var metadata = UploadMetadata(request, Convert.ToBase64String(md5), Crc32c.ToBase64BigEndian(crc));
            var uri = UploadUri("uploadType=multipart&fields=" + Uri.EscapeDataString(ObjectFields) + GenerationMatch(expected));
            GcsObject stored;
            try
            {
                stored = await SendJsonAsync(
                    RequestOperations.Put,
                    Describe("PUT", request.Key),
                    () => Request(HttpMethod.Post, uri, new MultipartUploadContent(metadata, buffer.AsMemory(0, length), request.ContentType)),
                    GcsJsonContext.Default.GcsObject,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && expected is not null)
            {
                return await ResolveWriteConflictAsync("PUT", request.Key, request.Length, md5Hex, crc, expected, ex, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return Verified(request.Key, stored, request.Length, md5Hex, crc);
            }
            catch (StoreException)
            {
                _rejectedWrites.Note(FullKey(request.Key), expected, stored.Generation);
                throw;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The object resource sent with an upload: name, content type, hashes when known, mtime.</summary>
    private byte[] UploadMetadata(WriteRequest request, string? md5Base64, string? crc32cBase64) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new GcsUploadMetadata
            {
                Name = FullKey(request.Key),
                ContentType = request.ContentType,
                Md5Hash = md5Base64,
                Crc32c = crc32cBase64,
                Metadata = request.LastModified is { } mtime ? new Dictionary<string, string> { [GcsMetadata.Mtime] = MtimeText.Format(mtime) } : null,
            },
            GcsJsonContext.Default.GcsUploadMetadata);

    /// <summary>The stored object, checked against what was sent: size, then md5Hash (absent on
    /// composite objects) and crc32c. A mismatch is transient: the copier sends the object again. An
    /// answer with neither hash cannot be verified: permanent, never accepted on size alone.</summary>
    private ObjectEntry Verified(string key, GcsObject stored, long length, string? md5Hex, uint crc)
    {
        var entry = ToEntry(stored);
        if (entry.Size != length)
        {
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: stored {entry.Size} bytes, sent {length}");
        }

        if (md5Hex is not null && entry.Md5 is not null && !string.Equals(entry.Md5, md5Hex, StringComparison.Ordinal))
        {
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: stored md5Hash {entry.Md5} differs from the content MD5 {md5Hex}");
        }

        if (entry.Crc32c is { } storedCrc && storedCrc != crc)
        {
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: stored crc32c differs from the content's");
        }

        if (entry.Crc32c is null && (entry.Md5 is null || md5Hex is null))
        {
            throw new StoreException(StoreErrorKind.Permanent, $"{Describe("PUT", key)}: the server reported no checksum of the stored object (no crc32c{(entry.Md5 is null ? " and no md5Hash" : string.Empty)}); it cannot be verified");
        }

        return entry;
    }

    private static void CheckExpectedMd5(WriteRequest request, string hex)
    {
        if (request.Md5 is { } expected && !string.Equals(expected, hex, StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(StoreErrorKind.Transient, $"content of '{request.Key}' has MD5 {hex}, expected {expected} (did the source change while reading?)");
        }
    }
}
