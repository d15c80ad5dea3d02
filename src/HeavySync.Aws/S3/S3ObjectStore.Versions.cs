using Amazon.S3.Model;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <summary>
    /// Deletes noncurrent versions and noncurrent delete markers under the prefix that became
    /// noncurrent before <paramref name="olderThan"/>. S3 does not report when a version became
    /// noncurrent; the next newer version's LastModified is that moment. Current versions are never
    /// touched. Returns how many versions were deleted.
    /// </summary>
    public async Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        string? keyMarker = null;
        string? versionMarker = null;
        string? previousKey = null;
        DateTimeOffset? newerModified = null;
        var batch = new List<KeyVersion>(MaxBatchSize);
        long deleted = 0;
        do
        {
            var request = new ListVersionsRequest
            {
                BucketName = _bucket,
                Prefix = _prefix.Length > 0 ? _prefix : null,
                KeyMarker = keyMarker,
                VersionIdMarker = versionMarker,
                MaxKeys = _options.ListPageSize,
            };
            var page = await SendAsync(
                RequestOperations.List,
                $"LIST versions s3://{_bucket}/{_prefix}",
                token => _client.ListVersionsAsync(request, token),
                cancellationToken).ConfigureAwait(false);

            // Versions of one key come newest first, and a key's versions may span pages.
            foreach (var version in page.Versions ?? [])
            {
                var modified = AsUtc(version.LastModified);
                if (version.Key != previousKey)
                {
                    previousKey = version.Key;
                    newerModified = null;
                }

                if (version.IsLatest != true && newerModified is { } becameNoncurrent && becameNoncurrent < olderThan)
                {
                    batch.Add(new KeyVersion { Key = version.Key, VersionId = version.VersionId });
                    if (batch.Count == MaxBatchSize)
                    {
                        deleted += await DeleteVersionsAsync(batch, cancellationToken).ConfigureAwait(false);
                    }
                }

                newerModified = modified;
            }

            var more = page.IsTruncated == true;
            keyMarker = more ? page.NextKeyMarker : null;
            versionMarker = more ? page.NextVersionIdMarker : null;
        }
        while (keyMarker is not null);

        if (batch.Count > 0)
        {
            deleted += await DeleteVersionsAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        LogPruned(_logger, Location, deleted);
        return deleted;
    }

    private async Task<long> DeleteVersionsAsync(List<KeyVersion> batch, CancellationToken cancellationToken)
    {
        var failures = await DeleteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        foreach (var (key, error) in failures)
        {
            LogPruneFailed(_logger, key, error.Message);
        }

        var count = batch.Count - failures.Count;
        batch.Clear();
        return count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Location}: pruned {Count} noncurrent versions")]
    private static partial void LogPruned(ILogger logger, string location, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pruning a version of {Key} failed: {Cause}")]
    private static partial void LogPruneFailed(ILogger logger, string key, string cause);
}
