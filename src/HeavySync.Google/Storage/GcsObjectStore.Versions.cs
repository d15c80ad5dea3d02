using System.Text;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <inheritdoc />
    /// <remarks>Nothing to clean: GCS drops unfinished resumable sessions itself after a week, and the
    /// recorded ones are what lets the next run continue its uploads.</remarks>
    public Task PrepareDestinationAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Deletes noncurrent generations under the prefix that became noncurrent (their
    /// <c>timeDeleted</c>) before <paramref name="olderThan"/>; the live generation is never touched.
    /// Lists with <c>versions=true</c>; each delete names its generation. Returns how many were deleted.
    /// </summary>
    public async Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        long deleted = 0;
        string? pageToken = null;
        do
        {
            var query = new StringBuilder("versions=true&maxResults=").Append(_options.ListPageSize)
                .Append("&fields=").Append(Uri.EscapeDataString("items(name,generation,timeDeleted),nextPageToken"));
            AppendParameter(query, "prefix", _prefix.Length > 0 ? _prefix : null);
            AppendParameter(query, "pageToken", pageToken);
            var page = await ListPageAsync(ObjectsUri(query.ToString()), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (item.TimeDeleted is { } noncurrentSince && noncurrentSince < olderThan)
                {
                    try
                    {
                        await DeleteGenerationAsync(RelativeKey(item.Name), GenerationQuery(item.Generation), cancellationToken).ConfigureAwait(false);
                        deleted++;
                    }
                    catch (StoreException ex) when (ex.Kind is StoreErrorKind.Permanent or StoreErrorKind.Transient or StoreErrorKind.Throttled or StoreErrorKind.PreconditionFailed)
                    {
                        LogPruneFailed(_logger, item.Name, ex.Message);
                    }
                }
            }

            pageToken = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (pageToken is not null);

        LogPruned(_logger, Location, deleted);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Location}: pruned {Count} noncurrent generations")]
    private static partial void LogPruned(ILogger logger, string location, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pruning a generation of {Key} failed: {Cause}")]
    private static partial void LogPruneFailed(ILogger logger, string key, string cause);
}
