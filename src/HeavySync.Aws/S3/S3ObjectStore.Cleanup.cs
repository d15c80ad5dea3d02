using Amazon.S3.Model;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <summary>
    /// Aborts incomplete multipart uploads under the prefix initiated more than
    /// <paramref name="olderThan"/> ago (<see cref="TimeSpan.Zero"/>: every upload started before
    /// now). The engine calls this at the start of each run on S3 destinations, before its own
    /// uploads start. Choice: ListMultipartUploads reports no metadata, so marking our uploads would
    /// cost a request per upload to check (and the marker would stay on every stored object); instead
    /// the destination prefix is taken to be HeavySync's, and the age cut-off spares uploads another
    /// writer has just started. Returns how many uploads were aborted.
    /// </summary>
    public async Task<int> CleanupIncompleteUploadsAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var cutoff = _timeProvider.GetUtcNow() - olderThan;
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
                if (AsUtc(upload.Initiated) is { } initiated && initiated > cutoff)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Location}: aborted {Count} incomplete multipart uploads")]
    private static partial void LogCleanedUp(ILogger logger, string location, int count);
}
