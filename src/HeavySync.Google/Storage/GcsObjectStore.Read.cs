using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <inheritdoc />
    /// <remarks><c>alt=media</c> downloads with Range. The generation of the first answer pins every
    /// later request (<c>ifGenerationMatch</c>): a whole read of a large object fetches ranges in
    /// parallel, other reads stream one GET and resume with a ranged GET when the connection breaks.
    /// An object replaced meanwhile is <see cref="StoreErrorKind.PreconditionFailed"/>. A ranged
    /// answer must be 206 with the asked start in <c>Content-Range</c>; a server that ignores Range
    /// (200, the whole object) is read past the bytes before the range, never taken as the range.</remarks>
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

        var body = await first.BodyAsync(cancellationToken).ConfigureAwait(false);
        return new ResumingReadStream(
            async (from, token) =>
            {
                var next = await DownloadAsync(key, from, stop, first.Generation, token).ConfigureAwait(false);
                return new OwningReadStream(await next.BodyAsync(token).ConfigureAwait(false), next.Response);
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
            (response, _) => Task.FromResult(new Download(response, TotalSize(response, from, to, Describe("GET", key)), GenerationOf(response) ?? generation, SkipOf(response, from))),
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
                _ = TotalSize(response, from, from + count, Describe("GET", key));
                var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    await SkipAsync(body, SkipOf(response, from), deadline.Token).ConfigureAwait(false);
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

    /// <summary>The object's size from a media answer, checking that a ranged request got its range:
    /// 206 must start at <paramref name="from"/>; 200 is the whole object (Range ignored).</summary>
    private static long TotalSize(HttpResponseMessage response, long from, long? to, string what)
    {
        var ranged = from > 0 || to is not null;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var range = response.Content.Headers.ContentRange;
            if (!ranged || range is not { HasRange: true, From: { } start, HasLength: true } || start != from)
            {
                throw new StoreException(StoreErrorKind.Transient, $"{what}: asked for bytes from {from}, answered {(range is null ? "206 without Content-Range" : "Content-Range " + range)}");
            }

            return range.Length!.Value;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new StoreException(StoreErrorKind.Transient, $"{what}: unexpected HTTP {(int)response.StatusCode} for a media download");
        }

        return response.Content.Headers.ContentLength
            ?? throw new StoreException(StoreErrorKind.Transient, $"{what}: a whole-object answer without Content-Length");
    }

    /// <summary>Bytes to read past before the asked range: all before <paramref name="from"/> when the
    /// server ignored Range and sent the whole object (200).</summary>
    private static long SkipOf(HttpResponseMessage response, long from) =>
        response.StatusCode == HttpStatusCode.OK ? from : 0;

    private static async Task SkipAsync(Stream body, long count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (count > 0)
            {
                var read = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, count)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException("the answer ended before the asked range");
                }

                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static long? GenerationOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-goog-generation", out var values)
        && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            ? generation
            : null;

    /// <summary>An open media answer: the response (owned by the reader), the object's size, its
    /// generation, and the bytes before the asked range it holds (a server that ignored Range).</summary>
    private sealed record Download(HttpResponseMessage Response, long Total, long? Generation, long Skip)
    {
        /// <summary>The body, positioned at the asked range's start.</summary>
        public async Task<Stream> BodyAsync(CancellationToken cancellationToken)
        {
            var body = await Response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await SkipAsync(body, Skip, cancellationToken).ConfigureAwait(false);
            return body;
        }
    }
}
