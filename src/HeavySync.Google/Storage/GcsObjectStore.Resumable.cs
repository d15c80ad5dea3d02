using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <summary>
    /// A resumable upload: the session is started (or, when <see cref="WriteRequest.UploadSession"/>
    /// recorded one for this source version, continued from the offset the server persisted, after
    /// reading past the bytes already there) and the content goes in chunks of
    /// <see cref="GcsStoreOptions.ResumableChunkBytes"/>. A chunk that fails is retried after asking
    /// the session how much it persisted (<c>Content-Range: bytes */SIZE</c>, answered by 308 and a
    /// Range header), sending only the rest. The session URI is recorded before the first byte, so a
    /// crashed run resumes it; it is never logged (it grants upload access).
    /// </summary>
    private async Task<ObjectEntry> UploadResumableAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        var total = request.Length;
        var slot = request.UploadSession;
        var (session, persisted, finished) = await ResumeOrStartAsync(request, slot, cancellationToken).ConfigureAwait(false);
        using var reader = new HashingChunkReader(request.Key, content, total);
        var chunkBytes = _options.ResumableChunkBytes;
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(chunkBytes), ArrayPool<byte>.Shared.Rent(chunkBytes)];
        try
        {
            // Bytes an earlier attempt already stored are read (the hashes must cover them) but not sent.
            while (reader.Position < persisted)
            {
                await reader.ReadAsync(buffers[0].AsMemory(0, (int)Math.Min(chunkBytes, persisted - reader.Position)), cancellationToken).ConfigureAwait(false);
            }

            var stored = finished;
            if (stored is null && reader.Position == total)
            {
                throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: the upload session holds every byte but did not finish");
            }

            if (stored is null)
            {
                // Two buffers: the next chunk is read from the source while the current one is sent.
                var current = 0;
                var offset = reader.Position;
                var length = await reader.ReadAsync(buffers[current].AsMemory(0, (int)Math.Min(chunkBytes, total - offset)), cancellationToken).ConfigureAwait(false);
                while (stored is null)
                {
                    var sending = SendChunkAsync(request.Key, session, buffers[current].AsMemory(0, length), offset, total, slot, cancellationToken);
                    var next = reader.Position < total
                        ? reader.ReadAsync(buffers[1 - current].AsMemory(0, (int)Math.Min(chunkBytes, total - reader.Position)), cancellationToken)
                        : Task.FromResult(0);
                    stored = await BothAsync(sending, next).ConfigureAwait(false);
                    offset += length;
                    length = next.Result;
                    current = 1 - current;
                    if (stored is null && offset == total)
                    {
                        throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: the upload session holds every byte but did not finish");
                    }
                }
            }

            var md5Hex = reader.FinishMd5Hex();
            CheckExpectedMd5(request, md5Hex);
            var entry = Verified(request.Key, stored, total, md5Hex, reader.Crc32c);
            if (slot is not null)
            {
                await slot.DeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            return entry;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    /// <summary>Waits for a send and the read beside it; both finish before the buffers are reused or
    /// returned, and the send's failure wins over the read's.</summary>
    private static async Task<GcsObject?> BothAsync(Task<GcsObject?> sending, Task<int> reading)
    {
        Exception? failure = null;
        GcsObject? stored = null;
        try
        {
            stored = await sending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        try
        {
            await reading.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure ??= ex;
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return stored;
    }

    /// <summary>The recorded session with its persisted offset (or the finished object), else a new session.</summary>
    private async Task<(Uri Session, long Persisted, GcsObject? Finished)> ResumeOrStartAsync(WriteRequest request, UploadSessionSlot? slot, CancellationToken cancellationToken)
    {
        if (slot is not null && await slot.FindAsync(cancellationToken).ConfigureAwait(false) is { } recorded
            && Uri.TryCreate(recorded, UriKind.Absolute, out var known))
        {
            try
            {
                var status = await QueryStatusAsync(request.Key, known, request.Length, retry: true, cancellationToken).ConfigureAwait(false);

                // A finished session holds every byte: the content is still read, to verify it.
                var persisted = status.Finished is null ? status.Persisted : request.Length;
                LogResumed(_logger, Describe("PUT", request.Key), persisted);
                return (known, persisted, status.Finished);
            }
            catch (StoreException ex) when (ex.Kind is StoreErrorKind.NotFound or StoreErrorKind.Permanent)
            {
                // Expired (sessions live a week), cancelled or refused: start over.
                await slot.DeleteAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var session = await StartSessionAsync(request, cancellationToken).ConfigureAwait(false);
        if (slot is not null)
        {
            await slot.SaveAsync(session.ToString(), cancellationToken).ConfigureAwait(false);
        }

        return (session, 0, null);
    }

    private Task<Uri> StartSessionAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        var metadata = UploadMetadata(request, null, null);
        var uri = UploadUri("uploadType=resumable&fields=" + Uri.EscapeDataString(ObjectFields));
        return SendAsync(
            RequestOperations.Put,
            Describe("PUT", request.Key),
            () =>
            {
                var content = new ByteArrayContent(metadata);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=UTF-8");
                var message = Request(HttpMethod.Post, uri, content);
                message.Headers.Add("X-Upload-Content-Length", request.Length.ToString(CultureInfo.InvariantCulture));
                message.Headers.Add("X-Upload-Content-Type", request.ContentType ?? "application/octet-stream");
                return message;
            },
            (response, _) => Task.FromResult(response.Headers.Location is { IsAbsoluteUri: true } location
                ? location
                : throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: the resumable upload answer has no session URI")),
            cancellationToken);
    }

    /// <summary>
    /// Sends one chunk, [<paramref name="chunkStart"/>, +length). Each retry first asks the session how
    /// much it persisted and sends only the rest of the chunk; a server that persisted part of a
    /// chunk gets the remainder. Returns the object when this was the last chunk, else null.
    /// </summary>
    private async Task<GcsObject?> SendChunkAsync(string key, Uri session, ReadOnlyMemory<byte> data, long chunkStart, long total, UploadSessionSlot? slot, CancellationToken cancellationToken)
    {
        var chunkEnd = chunkStart + data.Length;
        var persisted = chunkStart;
        var attempt = 0;
        try
        {
            return await _pipeline.ExecuteAsync(
                async token =>
                {
                    if (attempt++ > 0)
                    {
                        var status = await QueryStatusAsync(key, session, total, retry: false, token).ConfigureAwait(false);
                        if (status.Finished is not null)
                        {
                            return status.Finished;
                        }

                        persisted = status.Persisted;
                    }

                    while (true)
                    {
                        if (persisted < chunkStart || persisted > chunkEnd)
                        {
                            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the session persisted {persisted} bytes, outside the chunk [{chunkStart}, {chunkEnd})");
                        }

                        var status = await PutAsync(key, session, data[(int)(persisted - chunkStart)..], persisted, total, token).ConfigureAwait(false);
                        if (status.Finished is not null || status.Persisted == chunkEnd)
                        {
                            return status.Finished;
                        }

                        if (status.Persisted <= persisted)
                        {
                            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the session persisted nothing of a chunk");
                        }

                        persisted = status.Persisted;
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // The session is gone (expired or cancelled): the next attempt must start a new one.
            if (slot is not null)
            {
                await slot.DeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the upload session is gone; starting over", ex);
        }
    }

    /// <summary>One PUT of bytes at <paramref name="from"/> (one attempt; the caller retries).</summary>
    private Task<SessionStatus> PutAsync(string key, Uri session, ReadOnlyMemory<byte> data, long from, long total, CancellationToken cancellationToken) =>
        SendAsync(
            RequestOperations.Put,
            Describe("PUT", key),
            () =>
            {
                var content = new ReadOnlyMemoryContent(data);
                content.Headers.ContentRange = new ContentRangeHeaderValue(from, from + data.Length - 1, total);
                return Request(HttpMethod.Put, session, content);
            },
            ReadStatusAsync,
            cancellationToken,
            accept: IsSessionAnswer,
            retry: false);

    /// <summary>Asks the session how many bytes it persisted (an empty PUT with <c>Content-Range: bytes */SIZE</c>).</summary>
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: resuming an earlier upload session at byte {Offset}")]
    private static partial void LogResumed(ILogger logger, string what, long offset);
}
