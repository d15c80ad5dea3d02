using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            await SendAsync(
                RequestOperations.Delete,
                Describe("DELETE", key),
                token => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = FullKey(key) }, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // Already gone is what the caller wanted.
        }
    }

    /// <inheritdoc />
    /// <remarks>One DeleteObjects request per <see cref="MaxBatchSize"/> keys (longer lists are split);
    /// the per-key errors S3 reports come back classified.</remarks>
    public async Task<IReadOnlyList<(string Key, StoreException Error)>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var failures = new List<(string, StoreException)>();
        foreach (var batch in keys.Chunk(MaxBatchSize))
        {
            var versions = batch.Select(k => new KeyVersion { Key = FullKey(k) }).ToList();
            foreach (var (fullKey, error) in await DeleteBatchAsync(versions, cancellationToken).ConfigureAwait(false))
            {
                failures.Add((RelativeKey(fullKey), error));
            }
        }

        return failures;
    }

    /// <summary>One DeleteObjects request (quiet mode: only failures come back).</summary>
    private async Task<List<(string FullKey, StoreException Error)>> DeleteBatchAsync(List<KeyVersion> objects, CancellationToken cancellationToken)
    {
        var response = await SendAsync(
            RequestOperations.Delete,
            $"DELETE {objects.Count} keys in s3://{_bucket}/{_prefix}",
            token => _client.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = _bucket, Objects = objects, Quiet = true }, token),
            cancellationToken).ConfigureAwait(false);
        return (response.DeleteErrors ?? [])
            .Where(e => e.Code != "NoSuchKey")
            .Select(e => (e.Key, S3ErrorMapper.MapCode(e.Code, $"DELETE s3://{_bucket}/{e.Key}")))
            .ToList();
    }
}
