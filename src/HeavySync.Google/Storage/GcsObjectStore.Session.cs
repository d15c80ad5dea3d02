using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <summary>One PUT of bytes at <paramref name="from"/> (one attempt; the caller retries), with the
    /// whole content's hashes when it carries the last byte.</summary>
    private Task<SessionStatus> PutAsync(string key, Uri session, ReadOnlyMemory<byte> data, long from, long total, string? hashes, CancellationToken cancellationToken) =>
        PutAsync(key, session, () => new ReadOnlyMemoryContent(data), data.Length, from, total, hashes, cancellationToken);

    /// <summary>Sends one chunk of <paramref name="length"/> bytes at <paramref name="from"/> from
    /// <paramref name="body"/> (a buffer, or a chunk still being read: <see cref="ChunkFill"/>); one
    /// attempt. <paramref name="hashes"/>: the last chunk's <c>X-Goog-Hash</c>.</summary>
    private Task<SessionStatus> PutAsync(string key, Uri session, Func<HttpContent> body, int length, long from, long total, string? hashes, CancellationToken cancellationToken) =>
        SendAsync(
            RequestOperations.Put,
            Describe("PUT", key),
            () =>
            {
                var content = body();
                content.Headers.ContentRange = new ContentRangeHeaderValue(from, from + length - 1, total);
                var message = Request(HttpMethod.Put, session, content);
                if (hashes is not null)
                {
                    message.Headers.TryAddWithoutValidation("X-Goog-Hash", hashes);
                }

                return message;
            },
            ReadStatusAsync,
            cancellationToken,
            accept: IsSessionAnswer,
            retry: false);

    /// <summary>Asks the session how many bytes it persisted (an empty PUT with <c>Content-Range: bytes */TOTAL</c>).</summary>
    private Task<SessionStatus> QueryStatusAsync(string key, Uri session, long total, bool retry, CancellationToken cancellationToken) =>
        SendAsync(
            RequestOperations.Put,
            Describe("PUT status", key),
            () =>
            {
                var content = new ByteArrayContent([]);
                content.Headers.ContentRange = new ContentRangeHeaderValue(total);
                return Request(HttpMethod.Put, session, content);
            },
            ReadStatusAsync,
            cancellationToken,
            accept: IsSessionAnswer,
            retry: retry);

    private static bool IsSessionAnswer(HttpStatusCode status) => status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.PermanentRedirect;

    /// <summary>200/201: the upload finished (the object resource). 308 "resume incomplete": the
    /// persisted bytes are <c>Range: bytes=0-N</c>, none when the header is absent.</summary>
    private static async Task<SessionStatus> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.PermanentRedirect)
        {
            return new SessionStatus(0, await ReadJsonAsync(response, GcsJsonContext.Default.GcsObject, cancellationToken).ConfigureAwait(false));
        }

        return new SessionStatus(PersistedBytes(response.Headers.NonValidated.TryGetValues("Range", out var range) ? range.ToString() : null), null);
    }

    /// <summary>"bytes=0-N" → N + 1; absent → 0.</summary>
    internal static long PersistedBytes(string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
        {
            return 0;
        }

        var dash = range.LastIndexOf('-');
        return dash >= 0 && long.TryParse(range.AsSpan(dash + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            ? last + 1
            : throw new StoreException(StoreErrorKind.Transient, $"unreadable Range in a resumable upload answer: '{range}'");
    }

    private sealed record SessionStatus(long Persisted, GcsObject? Finished);

    /// <summary>Where a chunk left the session: its persisted offset, or the finished object.</summary>
    private readonly record struct ChunkOutcome(long Persisted, GcsObject? Finished);
}
