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
    /// with what was sent. The source mtime goes into the "mtime" metadata (rclone's format).</remarks>
    public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Length);
        return request.Length <= _options.SimpleUploadThresholdBytes
            ? UploadSimpleAsync(request, content, cancellationToken)
            : UploadResumableAsync(request, content, cancellationToken);
    }

    private async Task<ObjectEntry> UploadSimpleAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        var length = (int)request.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            // Buffered whole so a retry can resend it; the threshold bounds the buffer.
            await ContentReader.ReadExactlyAsync(request.Key, content, buffer.AsMemory(0, length), request.Length, cancellationToken).ConfigureAwait(false);
            await ContentReader.EnsureEndedAsync(request.Key, content, request.Length, cancellationToken).ConfigureAwait(false);
            var md5 = MD5.HashData(buffer.AsSpan(0, length));
            var crc = Crc32c.Compute(buffer.AsSpan(0, length));
            CheckExpectedMd5(request, Convert.ToHexStringLower(md5));
            var metadata = UploadMetadata(request, Convert.ToBase64String(md5), Crc32c.ToBase64BigEndian(crc));
            var uri = UploadUri("uploadType=multipart&fields=" + Uri.EscapeDataString(ObjectFields));
            var stored = await SendJsonAsync(
                RequestOperations.Put,
                Describe("PUT", request.Key),
                () => Request(HttpMethod.Post, uri, new MultipartUploadContent(metadata, buffer.AsMemory(0, length), request.ContentType)),
                GcsJsonContext.Default.GcsObject,
                cancellationToken).ConfigureAwait(false);
            return Verified(request.Key, stored, request.Length, Convert.ToHexStringLower(md5), crc);
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
    /// composite objects) and crc32c. A mismatch is transient: the copier sends the object again.</summary>
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
