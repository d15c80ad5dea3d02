using System.Runtime.CompilerServices;
using System.Text;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <inheritdoc />
    /// <remarks>objects.list pages (prefix, pageToken, a <c>fields</c> projection) are yielded as they
    /// arrive. GCS lists names in lexicographic order; <paramref name="startAfter"/> becomes
    /// <c>startOffset</c> (inclusive), and names up to it are skipped here.</remarks>
    public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = startAfter is null ? null : Encoding.UTF8.GetBytes(FullKey(startAfter));
        string? pageToken = null;
        do
        {
            var query = new StringBuilder()
                .Append("maxResults=").Append(_options.ListPageSize)
                .Append("&fields=").Append(Uri.EscapeDataString($"items({ObjectFields}),nextPageToken"));
            AppendParameter(query, "prefix", _prefix.Length > 0 ? _prefix : null);
            AppendParameter(query, "startOffset", startAfter is null ? null : FullKey(startAfter));
            AppendParameter(query, "pageToken", pageToken);
            var uri = ObjectsUri(query.ToString());
            var page = await ListPageAsync(uri, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (after is not null && Encoding.UTF8.GetBytes(item.Name).AsSpan().SequenceCompareTo(after) <= 0)
                {
                    continue;
                }

                yield return ToEntry(item);
            }

            pageToken = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (pageToken is not null);
    }

    /// <inheritdoc />
    /// <remarks>LastModified is the "mtime" metadata when present, else the object's update time.</remarks>
    public async Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            var item = await GetMetadataAsync(key, null, cancellationToken).ConfigureAwait(false);
            return ToEntry(item);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            return null;
        }
    }

    private async Task<GcsObjectList> ListPageAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            return await SendJsonAsync(
                RequestOperations.List,
                $"LIST gs://{_bucket}/{_prefix}",
                () => Request(HttpMethod.Get, uri),
                GcsJsonContext.Default.GcsObjectList,
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.NotFound)
        {
            // Listing a bucket's objects answers 404 only when the bucket itself is gone.
            throw new StoreException(StoreErrorKind.Fatal, $"{_side}bucket gs://{_bucket} does not exist at {_connection.Root}", ex);
        }
    }

    private Task<GcsObject> GetMetadataAsync(string key, long? ifGenerationMatch, CancellationToken cancellationToken)
    {
        var query = "fields=" + Uri.EscapeDataString(ObjectFields) + (ifGenerationMatch is { } g ? $"&ifGenerationMatch={g}" : string.Empty);
        var uri = ObjectUri(key, query);
        return SendJsonAsync(RequestOperations.Head, Describe("HEAD", key), () => Request(HttpMethod.Get, uri), GcsJsonContext.Default.GcsObject, cancellationToken);
    }

    private static void AppendParameter(StringBuilder query, string name, string? value)
    {
        if (value is not null)
        {
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    private ObjectEntry ToEntry(GcsObject item) =>
        new(RelativeKey(item.Name), item.Size)
        {
            Md5 = Md5Hex(item.Md5Hash),
            Crc32c = Crc32c.TryFromBase64BigEndian(item.Crc32c, out var crc) ? crc : null,
            LastModified = GcsMetadata.ParseMtime(item.Metadata) ?? item.Updated?.ToUniversalTime(),
            Version = item.Generation > 0 ? item.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        };

    /// <summary>GCS md5Hash (base64) as lower-case hex; null when absent (composite objects) or malformed.</summary>
    internal static string? Md5Hex(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        return Convert.TryFromBase64String(base64, bytes, out var written) && written == 16 ? Convert.ToHexStringLower(bytes) : null;
    }
}
