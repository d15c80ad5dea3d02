using Amazon.S3.Model;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <summary>
    /// Aborts incomplete multipart uploads under the prefix that <paramref name="policy"/> takes for
    /// orphans; returns how many were aborted. A sole writer aborts every upload it finds (it has
    /// started none yet, and the job's lock keeps other processes of the job out). With other
    /// writers an upload is aborted only when it was initiated, and its newest stored part written,
    /// more than <see cref="OrphanUploadPolicy.IdleFor"/> ago: a copier that is alive keeps storing
    /// parts, so even an upload of a huge object that runs for hours is never taken for dead while it
    /// moves. Choice: ListMultipartUploads reports no metadata, so marking our uploads would cost a
    /// request per upload to check (and the marker would stay on every stored object); instead the
    /// destination prefix is taken to be HeavySync's. Parts are listed (one request per page of
    /// 1,000) only for uploads older than the idle time, which are few.
    /// </summary>
    public async Task<int> CleanupIncompleteUploadsAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var cutoff = _timeProvider.GetUtcNow() - policy.IdleFor;
        string? keyMarker = null;
        string? uploadMarker = null;
        var aborted = 0;
        do
        {
            var request = new ListMultipartUploadsRequest
            {
                BucketName = _bucket,
                Prefix = _prefix.Length > 0 ? _prefix : null,
                KeyMarker = keyMarker,
                UploadIdMarker = uploadMarker,
            };
            var page = await SendAsync(
                RequestOperations.List,
                $"LIST uploads s3://{_bucket}/{_prefix}",
                token => _client.ListMultipartUploadsAsync(request, token),
                cancellationToken).ConfigureAwait(false);

            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (!policy.IsSoleWriter && !await IsIdleSinceAsync(upload, cutoff, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var key = RelativeKey(upload.Key);
                try
                {
                    await SendAsync(
                        RequestOperations.Delete,
                        $"ABORT {Describe("PUT", key)}",
                        token => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = upload.Key, UploadId = upload.UploadId }, token),
                        cancellationToken).ConfigureAwait(false);
                    aborted++;
                }
                catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
                {
                    // Completed or aborted by someone else meanwhile.
                }
            }

            var more = page.IsTruncated == true;
            keyMarker = more ? page.NextKeyMarker : null;
            uploadMarker = more ? page.NextUploadIdMarker : null;
        }
        while (keyMarker is not null);

        if (aborted > 0)
        {
            LogCleanedUp(_logger, Location, aborted);
        }

        return aborted;
    }

    /// <summary>True when <paramref name="upload"/> was initiated, and stored its newest part, at or
    /// before <paramref name="cutoff"/>. An upload whose times are unknown counts as active.</summary>
    private async Task<bool> IsIdleSinceAsync(MultipartUpload upload, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (AsUtc(upload.Initiated) is not { } initiated || initiated > cutoff)
        {
            return false;
        }

        var what = $"LIST parts {Describe("PUT", RelativeKey(upload.Key))}";
        string? marker = null;
        do
        {
            var request = new ListPartsRequest { BucketName = _bucket, Key = upload.Key, UploadId = upload.UploadId, PartNumberMarker = marker };
            ListPartsResponse page;
            try
            {
                page = await SendAsync(RequestOperations.List, what, token => _client.ListPartsAsync(request, token), cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
            {
                return false; // completed or aborted meanwhile: nothing left to abort
            }

            foreach (var part in page.Parts ?? [])
            {
                if (AsUtc(part.LastModified) is not { } stored || stored > cutoff)
                {
                    return false;
                }
            }

            marker = page.IsTruncated == true ? page.NextPartNumberMarker?.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        while (marker is not null);

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Location}: aborted {Count} incomplete multipart uploads")]
    private static partial void LogCleanedUp(ILogger logger, string location, int count);
}
