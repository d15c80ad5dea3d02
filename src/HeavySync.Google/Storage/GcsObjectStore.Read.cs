using System.Globalization;
using System.Net.Http.Headers;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <inheritdoc />
    /// <remarks><c>alt=media</c> downloads with Range. The generation of the first answer pins every
    /// later request (<c>ifGenerationMatch</c>): a whole read of a large object fetches ranges in
    /// parallel, other reads stream one GET and resume with a ranged GET when the connection breaks.
    /// An object replaced meanwhile is <see cref="StoreErrorKind.PreconditionFailed"/>.</remarks>
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
            _ = await GetMetadataAsync(key, null, cancellationToken).ConfigureAwait(false);
            return new MemoryStream([], writable: false);
        }

        var end = length is null ? (long?)null : offset + length.Value;
        var first = await DownloadAsync(key, offset, end, null, cancellationToken).ConfigureAwait(false);
        var stop = end is { } e ? Math.Min(e, first.Total) : first.Total;
        if (offset == 0 && length is null && first.Total > _options.ParallelReadThresholdBytes)
        {
            // Dropping this one connection is cheaper than serialising a large download behind it.
            first.Response.Dispose();
            var generation = first.Generation;
            return new ParallelRangeReadStream(
                (from, buffer, count, token) => ReadRangeAsync(key, from, buffer, count, generation, token),
                first.Total,
                _options.ReadChunkBytes,
                _options.ReadParallelism,
                cancellationToken);
        }

        var body = await first.Response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return new ResumingReadStream(
            async (from, token) =>
            {
                var next = await DownloadAsync(key, from, stop, first.Generation, token).ConfigureAwait(false);
                return new OwningReadStream(await next.Response.Content.ReadAsStreamAsync(token).ConfigureAwait(false), next.Response);
            },
            new OwningReadStream(body, first.Response),
            offset,
            stop,
            _options.MaxAttempts,
            _options.BodyReadTimeout,
            Describe("GET", key));
    }

    /// <summary>One media GET of [from, to) (to the end when null), retried; the response belongs to the caller.</summary>
    private Task<Download> DownloadAsync(string key, long from, long? to, long? generation, CancellationToken cancellationToken)
    {
        var uri = MediaUri(key, generation);
        return SendAsync(
            RequestOperations.Get,
            Describe("GET", key),
            () => MediaRequest(uri, from, to),
            (response, _) => Task.FromResult(new Download(response, TotalSize(response, from), GenerationOf(response) ?? generation)),
            cancellationToken,
            ownsResponse: true);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes at <paramref name="from"/> into
    /// <paramref name="buffer"/>; the body is read inside the retry, so a truncated body is retried.</summary>
    private Task<int> ReadRangeAsync(string key, long from, byte[] buffer, int count, long? generation, CancellationToken cancellationToken)
    {
        var uri = MediaUri(key, generation);
        return SendAsync(
            RequestOperations.Get,
            Describe("GET", key),
            () => MediaRequest(uri, from, from + count),
            async (response, token) =>
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(_options.BodyReadTimeout);
                var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    await body.ReadExactlyAsync(buffer.AsMemory(0, count), deadline.Token).ConfigureAwait(false);
                }

                return count;
            },
            cancellationToken);
    }

    private Uri MediaUri(string key, long? generation) =>
        ObjectUri(key, "alt=media" + (generation is { } g ? string.Create(CultureInfo.InvariantCulture, $"&ifGenerationMatch={g}") : string.Empty));

    private static HttpRequestMessage MediaRequest(Uri uri, long from, long? to)
    {
        var request = Request(HttpMethod.Get, uri);
        if (from > 0 || to is not null)
        {
            request.Headers.Range = new RangeHeaderValue(from, to - 1);
        }

        // Objects stored gzip-encoded are served as stored (not transcoded), so sizes and hashes match the listing.
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        return request;
    }

    private static long TotalSize(HttpResponseMessage response, long offset) =>
        response.Content.Headers.ContentRange?.Length ?? offset + (response.Content.Headers.ContentLength ?? 0);

    private static long? GenerationOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-goog-generation", out var values)
        && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            ? generation
            : null;

    /// <summary>An open media answer: the response (owned by the reader), the object's size, its generation.</summary>
    private sealed record Download(HttpResponseMessage Response, long Total, long? Generation);
}
