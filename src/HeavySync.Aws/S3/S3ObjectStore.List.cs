using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <inheritdoc />
    /// <remarks>ListObjectsV2 pages are yielded as they arrive; a listing carries no user metadata, so
    /// <see cref="ObjectEntry.LastModified"/> is the server's LastModified here.</remarks>
    public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = _bucket,
                Prefix = _prefix.Length > 0 ? _prefix : null,
                MaxKeys = _options.ListPageSize,
                ContinuationToken = continuation,
                // Keys may hold characters XML 1.0 cannot carry; S3 then form-encodes them ('+' is a space).
                Encoding = EncodingType.Url,
                StartAfter = continuation is null && startAfter is not null ? FullKey(startAfter) : null,
            };
            var page = await SendAsync(
                RequestOperations.List,
                $"LIST s3://{_bucket}/{_prefix}",
                token => _client.ListObjectsV2Async(request, token),
                cancellationToken).ConfigureAwait(false);

            foreach (var item in page.S3Objects ?? [])
            {
                var etag = TrimETag(item.ETag);
                yield return new ObjectEntry(RelativeKey(WebUtility.UrlDecode(item.Key)), item.Size ?? 0)
                {
                    ETag = etag,
                    Md5 = Md5FromETag(etag),
                    LastModified = AsUtc(item.LastModified),
                };
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    private static string? TrimETag(string? etag) => string.IsNullOrEmpty(etag) ? null : etag.Trim('"').ToLowerInvariant();

    /// <summary>A single-part ETag is the content MD5; a multipart one ("…-N") is not.</summary>
    private static string? Md5FromETag(string? etag) =>
        etag is { Length: 32 } && etag.All(char.IsAsciiHexDigit) ? etag : null;

    private static DateTimeOffset? AsUtc(DateTime? time) =>
        time is null ? null : new DateTimeOffset(time.Value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time.Value, DateTimeKind.Utc) : time.Value.ToUniversalTime());
}
