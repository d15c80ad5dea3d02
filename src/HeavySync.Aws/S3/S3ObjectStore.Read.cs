using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <inheritdoc />
    /// <remarks>LastModified is the rclone-compatible "mtime" metadata when present; Md5 is the ETag
    /// of a single-part object, or the "md5chksum" metadata HeavySync stores on multipart ones.</remarks>
    public async Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
            return ToEntry(key, head);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    /// <remarks>A read of the whole of a large object fetches ranges in parallel (bounded buffers);
    /// other reads stream one GET and resume with a ranged GET when the connection breaks.</remarks>
    public async Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        if (length == 0)
        {
            // A zero-byte range is not expressible in HTTP; still report a missing object.
            _ = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
            return new MemoryStream([], writable: false);
        }

        var end = length is null ? (long?)null : offset + length.Value;
        var response = await GetAsync(key, offset, end, null, cancellationToken).ConfigureAwait(false);
        return BodyOf(key, response, offset, end, ReadPattern.Parallel, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One GET: its answer carries what a HEAD would (size, ETag, metadata). Read
    /// <see cref="ReadPattern.Sequential"/>, the body is that GET's stream, however large the object.</remarks>
    public async Task<ObjectRead?> OpenCurrentAsync(string key, ReadPattern pattern, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        GetObjectResponse response;
        try
        {
            response = await GetAsync(key, 0, null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            return null;
        }

        ObjectEntry entry;
        try
        {
            entry = ToEntry(key, response.ETag, response.ContentLength, response.ServerSideEncryptionMethod, response.Metadata, response.LastModified);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return new ObjectRead(entry, BodyOf(key, response, 0, null, pattern, cancellationToken));
    }

    /// <summary>The body of an answered GET of [offset, end): parallel ranges when it is a whole
    /// large object read <see cref="ReadPattern.Parallel"/>, else the answer's own stream, resumed by
    /// ranged GETs if it breaks.</summary>
    private Stream BodyOf(string key, GetObjectResponse response, long offset, long? end, ReadPattern pattern, CancellationToken cancellationToken)
    {
        var etag = response.ETag;
        var total = TotalSize(response, offset);
        var stop = end ?? total;
        if (pattern == ReadPattern.Parallel && offset == 0 && end is null && total > _options.ParallelReadThresholdBytes)
        {
            // Dropping this one connection is cheaper than serialising a large download behind it.
            response.Dispose();
            return new ParallelRangeReadStream(
                (from, buffer, count, token) => ReadRangeAsync(key, from, buffer, count, etag, token),
                total,
                _options.ReadChunkBytes,
                _options.ReadParallelism,
                cancellationToken);
        }

        // Later GETs are pinned to the ETag first read, so a resumed body never mixes versions.
        return new ResumingReadStream(
            async (from, token) =>
            {
                var next = await GetAsync(key, from, stop, etag, token).ConfigureAwait(false);
                return new OwningReadStream(next.ResponseStream, next);
            },
            new OwningReadStream(response.ResponseStream, response),
            offset,
            stop,
            _options.MaxAttempts,
            _options.BodyReadTimeout,
            Describe("GET", key));
    }

    /// <summary>One GET of [from, to) (to the end when null), retried; the body stream belongs to the caller.</summary>
    private Task<GetObjectResponse> GetAsync(string key, long from, long? to, string? etag, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = FullKey(key), EtagToMatch = etag };
        if (from > 0 || to is not null)
        {
            request.ByteRange = to is null ? new ByteRange($"bytes={from}-") : new ByteRange(from, to.Value - 1);
        }

        return SendAsync(RequestOperations.Get, Describe("GET", key), token => _client.GetObjectAsync(request, token), cancellationToken);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes at <paramref name="from"/> into
    /// <paramref name="buffer"/>; the body is read inside the retry, so a truncated body is retried.</summary>
    internal Task<int> ReadRangeAsync(string key, long from, byte[] buffer, int count, string? etag, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest
        {
            BucketName = _bucket,
            Key = FullKey(key),
            EtagToMatch = etag,
            ByteRange = new ByteRange(from, from + count - 1),
        };
        return SendAsync(
            RequestOperations.Get,
            Describe("GET", key),
            async token =>
            {
                // A stalled body ends in a timeout the mapper calls transient: the range is fetched again.
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(_options.BodyReadTimeout);
                using var response = await _client.GetObjectAsync(request, deadline.Token).ConfigureAwait(false);
                await response.ResponseStream.ReadExactlyAsync(buffer.AsMemory(0, count), deadline.Token).ConfigureAwait(false);
                return count;
            },
            cancellationToken);
    }

    private Task<GetObjectMetadataResponse> HeadAsync(string key, CancellationToken cancellationToken) =>
        SendAsync(
            RequestOperations.Head,
            Describe("HEAD", key),
            token => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = FullKey(key) }, token),
            cancellationToken);

    private static long TotalSize(GetObjectResponse response, long offset)
    {
        // "bytes 0-99/1234": the total after the slash; without a range the body is the object.
        var range = response.ContentRange;
        var slash = range?.LastIndexOf('/') ?? -1;
        if (slash >= 0 && long.TryParse(range.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var total))
        {
            return total;
        }

        return offset + response.ContentLength;
    }

    private static ObjectEntry ToEntry(string key, GetObjectMetadataResponse head) =>
        ToEntry(key, head.ETag, head.ContentLength, head.ServerSideEncryptionMethod, head.Metadata, head.LastModified);

    /// <summary>The entry a HEAD or a whole-object GET answer describes (both carry the same headers).</summary>
    private static ObjectEntry ToEntry(string key, string rawETag, long size, ServerSideEncryptionMethod? encryption, MetadataCollection metadata, DateTime? lastModified)
    {
        var etag = TrimETag(rawETag);
        var md5 = (ETagIsNotMd5(encryption) ? null : Md5FromETag(etag)) ?? Md5FromBase64(metadata[S3Metadata.Md5]);
        var mtime = S3Metadata.ParseMtime(metadata[S3Metadata.Mtime]);
        return new ObjectEntry(key, size)
        {
            ETag = etag,
            Md5 = md5,
            LastModified = mtime ?? AsUtc(lastModified),
            // No Version: ListObjectsV2 reports none, and a stat must fingerprint an object exactly as
            // a listing does, or the ledger would never recognise a copied object again.
            Version = null,
        };
    }

    private static string? Md5FromBase64(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        return Convert.TryFromBase64String(value, bytes, out var written) && written == 16 ? Convert.ToHexStringLower(bytes) : null;
    }
}
