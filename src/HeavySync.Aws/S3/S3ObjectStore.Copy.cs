using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <inheritdoc />
    /// <remarks>True for another S3 store on the same endpoint and region with the same access key
    /// id: only then can one request read the source and write the destination.</remarks>
    public bool CanCopyFrom(IObjectStore source) => source is S3ObjectStore other && other.Identity == Identity;

    /// <inheritdoc />
    /// <remarks>CopyObject (metadata copied) up to <see cref="S3StoreOptions.MultipartCopyThresholdBytes"/>;
    /// above, UploadPartCopy with bounded parallelism and the ETag checked against the part ETags.
    /// The source version (when the entry has one) and ETag pin what is copied.</remarks>
    public async Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceEntry);
        ArgumentNullException.ThrowIfNull(destinationKey);
        if (source is not S3ObjectStore from || !CanCopyFrom(source))
        {
            throw new ArgumentException($"{Location} cannot copy server-side from {source?.Location}", nameof(source));
        }

        var stored = sourceEntry.Size <= _options.MultipartCopyThresholdBytes
            ? await CopySingleAsync(from, sourceEntry, destinationKey, cancellationToken).ConfigureAwait(false)
            : await CopyMultipartAsync(from, sourceEntry, destinationKey, cancellationToken).ConfigureAwait(false);
        if (stored.Size != sourceEntry.Size)
        {
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: copied {stored.Size} bytes, the source has {sourceEntry.Size}");
        }

        return stored;
    }

    private async Task<ObjectEntry> CopySingleAsync(S3ObjectStore from, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken)
    {
        await SendAsync(
            RequestOperations.Copy,
            Describe("COPY", destinationKey),
            token => _client.CopyObjectAsync(
                new CopyObjectRequest
                {
                    SourceBucket = from._bucket,
                    SourceKey = from.FullKey(sourceEntry.Key),
                    SourceVersionId = sourceEntry.Version,
                    ETagToMatch = sourceEntry.Version is null ? Quote(sourceEntry.ETag) : null,
                    DestinationBucket = _bucket,
                    DestinationKey = FullKey(destinationKey),
                    MetadataDirective = S3MetadataDirective.COPY,
                },
                token),
            cancellationToken).ConfigureAwait(false);
        var stored = await StatStoredAsync(destinationKey, cancellationToken).ConfigureAwait(false);
        if (sourceEntry.Md5 is not null && stored.Md5 is not null && !string.Equals(sourceEntry.Md5, stored.Md5, StringComparison.OrdinalIgnoreCase))
        {
            // The copy carried If-Match, but not every S3 server honours it (radosgw 16 does not):
            // the source was replaced since listing, so the listed version is gone, as on AWS (412).
            throw new StoreException(StoreErrorKind.NotFound, $"{Describe("COPY", destinationKey)}: the source changed since listing (MD5 {stored.Md5}, listed {sourceEntry.Md5})");
        }

        return stored;
    }

    private async Task<ObjectEntry> CopyMultipartAsync(S3ObjectStore from, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken)
    {
        var what = Describe("COPY", destinationKey);
        var sourceKey = from.FullKey(sourceEntry.Key);

        // UploadPartCopy carries no metadata: take it from the source object itself.
        var head = await from.HeadAsync(sourceEntry.Key, cancellationToken).ConfigureAwait(false);
        var init = await SendAsync(
            RequestOperations.Put,
            what,
            token =>
            {
                var start = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = FullKey(destinationKey), ContentType = head.Headers.ContentType };
                foreach (var name in head.Metadata.Keys)
                {
                    start.Metadata.Add(name, head.Metadata[name]);
                }

                // A single-part source's ETag is its MD5; the multipart copy's ETag will not be, so
                // carry the MD5 as metadata (the part ETags checked at completion vouch for the bytes).
                if (sourceEntry.Md5 is { Length: 32 } md5 && head.Metadata[S3Metadata.Md5] is null)
                {
                    start.Metadata.Add(S3Metadata.Md5, Convert.ToBase64String(Convert.FromHexString(md5)));
                }

                return _client.InitiateMultipartUploadAsync(start, token);
            },
            cancellationToken).ConfigureAwait(false);

        var partSize = S3PartSizing.Choose(sourceEntry.Size, _options.MinCopyPartSizeBytes, _options.MaxParts);
        var partCount = (int)((sourceEntry.Size + partSize - 1) / partSize);
        var etags = new string[partCount];
        var versionId = sourceEntry.Version ?? (string.IsNullOrEmpty(head.VersionId) || head.VersionId == "null" ? null : head.VersionId);
        var etagToMatch = versionId is null ? head.ETag : null;
        try
        {
            await Parallel.ForAsync(
                0,
                partCount,
                new ParallelOptions { MaxDegreeOfParallelism = _options.PartParallelism, CancellationToken = cancellationToken },
                async (part, token) =>
                {
                    var first = part * partSize;
                    var last = Math.Min(first + partSize, sourceEntry.Size) - 1;
                    var response = await SendAsync(
                        RequestOperations.Copy,
                        $"{what} part {part + 1}",
                        t => _client.CopyPartAsync(
                            new CopyPartRequest
                            {
                                SourceBucket = from._bucket,
                                SourceKey = sourceKey,
                                SourceVersionId = versionId,
                                ETagToMatch = etagToMatch is null ? null : [etagToMatch],
                                DestinationBucket = _bucket,
                                DestinationKey = FullKey(destinationKey),
                                UploadId = init.UploadId,
                                PartNumber = part + 1,
                                FirstByte = first,
                                LastByte = last,
                            },
                            t),
                        token).ConfigureAwait(false);
                    etags[part] = response.ETag;
                }).ConfigureAwait(false);

            // Each part ETag is that part's MD5, so the object's ETag is known before completing.
            var expected = MultipartETag.Compute(etags.Select(e => Convert.FromHexString(e.Trim('"'))).ToList());
            return await CompleteUploadAsync(destinationKey, init.UploadId, etags, expected, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortUploadAsync(destinationKey, init.UploadId).ConfigureAwait(false);
            throw;
        }
    }

    private static string? Quote(string? etag) => string.IsNullOrEmpty(etag) ? null : $"\"{etag}\"";
}
