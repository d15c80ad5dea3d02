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
    /// A resumable upload, per Google's protocol: the session is started (or, when
    /// <see cref="WriteRequest.UploadSession"/> recorded one for this source version, continued from
    /// the offset the server persisted, after reading past the bytes already there) and the content
    /// goes in chunks of <see cref="GcsStoreOptions.ResumableChunkBytes"/> (multiples of 256 KiB),
    /// each <c>Content-Range: bytes FIRST-LAST/TOTAL</c>. 308 answers "resume incomplete" with the
    /// persisted <c>Range: bytes=0-N</c> (none: nothing persisted), 200/201 with the object once the
    /// last byte is in; the last chunk carries <c>X-Goog-Hash</c> (crc32c and md5 of the whole
    /// content; the md5 is the stated <see cref="WriteRequest.Md5"/> when the copier computed none)
    /// so the server refuses content that differs from what was read, or from the source's MD5. A chunk that fails is
    /// retried after asking the session how much it persisted (<c>Content-Range: bytes */TOTAL</c>),
    /// sending only the rest; a chunk the server kept whole but whose answer was lost is not sent
    /// again. A session that expired or was cancelled (404/410) is forgotten, and so is one the server
    /// refused to finish: the next attempt starts over. The session URI is recorded before the first
    /// byte, so a crashed run resumes it; it is never logged (it grants upload access).
    /// </summary>
    private async Task<ObjectEntry> UploadResumableAsync(WriteRequest request, ExpectedDestination? expected, Stream content, CancellationToken cancellationToken)
    {
        var total = request.Length;
        var slot = request.UploadSession;
        using var reader = new HashingChunkReader(request.Key, content, total, request.Md5);
        var chunkBytes = _options.ResumableChunkBytes;
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(chunkBytes), ArrayPool<byte>.Shared.Rent(chunkBytes)];
        try
        {
            GcsObject stored;
            try
            {
                stored = await SendAllAsync(request, expected, reader, buffers, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && expected is not null)
            {
                // Refused at the session's start or at its last chunk: the session can never finish.
                await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
                await ReadToEndAsync(reader, buffers[0], total, cancellationToken).ConfigureAwait(false);
                CheckExpectedMd5(request, reader.Md5Hex!);
                return await ResolveWriteConflictAsync("PUT", request.Key, total, reader.Md5Hex, reader.Crc32c, expected, ex, cancellationToken).ConfigureAwait(false);
            }

            ObjectEntry entry;
            try
            {
                CheckExpectedMd5(request, reader.Md5Hex!);
                entry = Verified(request.Key, stored, total, reader.Md5Hex, reader.Crc32c);
            }
            catch (StoreException)
            {
                // A finished session answers with this same object for ever: resuming it cannot help.
                _rejectedWrites.Note(FullKey(request.Key), expected, stored.Generation);
                await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
                throw;
            }

            await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
            return entry;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    /// <summary>Resumes or starts the session and sends every byte it lacks; returns the finished object.</summary>
    private async Task<GcsObject> SendAllAsync(WriteRequest request, ExpectedDestination? expected, HashingChunkReader reader, byte[][] buffers, CancellationToken cancellationToken)
    {
        var total = request.Length;
        var slot = request.UploadSession;
        var chunkBytes = _options.ResumableChunkBytes;
        var recorded = slot is null ? null : await slot.FindAsync(cancellationToken).ConfigureAwait(false);

        // A new session starts at byte 0: the first chunk is read beside the session's start and sent
        // as it arrives. (A recorded session's offset decides where sending starts, so it is asked
        // first; a first chunk that is also the last carries the hashes of every byte in its headers,
        // so it is read whole first.)
        var first = recorded is null && reader.Position == 0 && total > chunkBytes
            ? ChunkFill.Start(reader, buffers[0], chunkBytes, cancellationToken)
            : null;
        Uri session;
        long persisted;
        GcsObject? finished;
        try
        {
            (session, persisted, finished) = await ResumeOrStartAsync(request, expected, slot, recorded, cancellationToken).ConfigureAwait(false);
        }
        catch when (first is not null)
        {
            // The caller may read on (a refused precondition is resolved from the content's hashes),
            // unless the source failed meanwhile: then that is the error.
            await first.SettleAsync().ConfigureAwait(false);
            if (first.Completion.IsFaulted)
            {
                await first.Completion.ConfigureAwait(false);
            }

            throw;
        }

        if (first is not null)
        {
            return await SendFromStreamedFirstChunkAsync(request, reader, buffers, session, first, cancellationToken).ConfigureAwait(false);
        }

        // Bytes an earlier attempt already stored are read (the hashes must cover them) but not sent.
        while (reader.Position < Math.Min(persisted, total))
        {
            await reader.ReadAsync(buffers[0].AsMemory(0, (int)Math.Min(chunkBytes, persisted - reader.Position)), cancellationToken).ConfigureAwait(false);
        }

        if (finished is not null)
        {
            // A finished session holds every byte: the content is still read, to verify it.
            await ReadToEndAsync(reader, buffers[0], total, cancellationToken).ConfigureAwait(false);
            return finished;
        }

        if (reader.Position == total)
        {
            await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: the upload session holds every byte but did not finish; starting over");
        }

        var offset = reader.Position;
        var length = await reader.ReadAsync(buffers[0].AsMemory(0, (int)Math.Min(chunkBytes, total - offset)), cancellationToken).ConfigureAwait(false);
        return await SendChunksAsync(request, reader, buffers, session, offset, length, persisted, firstSend: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first chunk, read while it is sent (see <see cref="ChunkFill"/>); then the rest.</summary>
    private async Task<GcsObject> SendFromStreamedFirstChunkAsync(WriteRequest request, HashingChunkReader reader, byte[][] buffers, Uri session, ChunkFill first, CancellationToken cancellationToken)
    {
        using var sendCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var put = PutAsync(request.Key, session, first.Content, _options.ResumableChunkBytes, 0, request.Length, null, sendCancel.Token);
        int length;
        try
        {
            length = await first.Completion.ConfigureAwait(false);
        }
        catch
        {
            // The source failed: that is the error, not the request it cut short. The session stays
            // recorded; the next attempt continues from what it kept.
            await sendCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await put.ConfigureAwait(false);
            }
            catch
            {
                // Cut short on purpose: its failure is not the upload's.
            }

            throw;
        }

        var firstSend = SettleStreamedAsync(request.Key, session, buffers[0].AsMemory(0, length), request.Length, put, request.UploadSession, cancellationToken);
        return await SendChunksAsync(request, reader, buffers, session, 0, length, 0, firstSend, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What became of the streamed first chunk, settled as any chunk's answer by
    /// <see cref="SendChunkAsync"/>: stored, nothing more sent; stored in part, the rest sent from the
    /// buffer; failed (or the session gone), the session asked where it stands first, with the usual
    /// retries.
    /// </summary>
    private async Task<ChunkOutcome> SettleStreamedAsync(string key, Uri session, ReadOnlyMemory<byte> chunk, long total, Task<SessionStatus> put, UploadSessionSlot? slot, CancellationToken cancellationToken)
    {
        SessionStatus answer;
        try
        {
            answer = await put.ConfigureAwait(false);
        }
        catch (StoreException) when (!cancellationToken.IsCancellationRequested)
        {
            return await SendChunkAsync(key, session, chunk, 0, total, 0, null, slot, cancellationToken, askFirst: true).ConfigureAwait(false);
        }

        return answer.Finished is not null
            ? new ChunkOutcome(total, answer.Finished)
            : await SendChunkAsync(key, session, chunk, 0, total, answer.Persisted, null, slot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The chunk loop: <paramref name="length"/> bytes at <paramref name="offset"/> are in
    /// <c>buffers[0]</c> (being sent already when <paramref name="firstSend"/> is given); two
    /// buffers, the next chunk read from the source while the current one is sent.
    /// </summary>
    private async Task<GcsObject> SendChunksAsync(WriteRequest request, HashingChunkReader reader, byte[][] buffers, Uri session, long offset, int length, long persisted, Task<ChunkOutcome>? firstSend, CancellationToken cancellationToken)
    {
        var total = request.Length;
        var slot = request.UploadSession;
        var chunkBytes = _options.ResumableChunkBytes;
        var current = 0;
        while (true)
        {
            var end = offset + length;
            var last = end == total;
            string? hashes = null;
            if (last)
            {
                // Every byte was read: a source that changed while it was read must not be stored.
                // (A stated MD5 the copier did not compute is checked by the server: X-Goog-Hash.)
                if (request.Md5 is { } md5 && !string.Equals(md5, reader.Md5Hex, StringComparison.OrdinalIgnoreCase))
                {
                    await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
                    CheckExpectedMd5(request, reader.Md5Hex!);
                }

                hashes = string.Create(CultureInfo.InvariantCulture, $"crc32c={HeavySync.Hashing.Crc32c.ToBase64BigEndian(reader.Crc32c)},md5={Convert.ToBase64String(reader.Md5!)}");
            }

            var sending = firstSend ?? SendChunkAsync(request.Key, session, buffers[current].AsMemory(0, length), offset, total, persisted, hashes, slot, cancellationToken);
            firstSend = null;
            var next = last
                ? Task.FromResult(0)
                : reader.ReadAsync(buffers[1 - current].AsMemory(0, (int)Math.Min(chunkBytes, total - end)), cancellationToken);
            var outcome = await BothAsync(sending, next).ConfigureAwait(false);
            if (outcome.Finished is { } done)
            {
                return done;
            }

            if (outcome.Persisted < end)
            {
                // The session reports fewer bytes than it had acknowledged, before this chunk: those are
                // no longer in memory. The recorded session stays; the next attempt reads the source
                // again and continues from the session's offset.
                throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: the upload session went back to byte {outcome.Persisted}, before the chunk at {offset}");
            }

            if (last)
            {
                await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
                throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", request.Key)}: the upload session holds every byte but did not finish; starting over");
            }

            persisted = outcome.Persisted;
            offset = end;
            length = next.Result;
            current = 1 - current;
        }
    }

    private static async Task ReadToEndAsync(HashingChunkReader reader, byte[] buffer, long total, CancellationToken cancellationToken)
    {
        while (reader.Position < total)
        {
            await reader.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, total - reader.Position)), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ForgetAsync(UploadSessionSlot? slot, CancellationToken cancellationToken)
    {
        if (slot is not null)
        {
            await slot.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a send and the read beside it; both finish before the buffers are reused or
    /// returned, and the send's failure wins over the read's.</summary>
    private static async Task<ChunkOutcome> BothAsync(Task<ChunkOutcome> sending, Task<int> reading)
    {
        Exception? failure = null;
        ChunkOutcome outcome = default;
        try
        {
            outcome = await sending.ConfigureAwait(false);
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

        return outcome;
    }

    /// <summary>The recorded session with its persisted offset (or the finished object), else a new session.</summary>
    private async Task<(Uri Session, long Persisted, GcsObject? Finished)> ResumeOrStartAsync(WriteRequest request, ExpectedDestination? expected, UploadSessionSlot? slot, string? recorded, CancellationToken cancellationToken)
    {
        if (slot is not null && recorded is not null && Uri.TryCreate(recorded, UriKind.Absolute, out var known))
        {
            try
            {
                var status = await QueryStatusAsync(request.Key, known, request.Length, retry: true, cancellationToken).ConfigureAwait(false);
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

        var session = await StartSessionAsync(request, expected, cancellationToken).ConfigureAwait(false);
        if (slot is not null)
        {
            await slot.SaveAsync(session.ToString(), cancellationToken).ConfigureAwait(false);
        }

        return (session, 0, null);
    }

    /// <summary>Initiates a session (POST uploadType=resumable; the object resource in the body, the
    /// precondition in the query, where it binds the whole upload).</summary>
    private Task<Uri> StartSessionAsync(WriteRequest request, ExpectedDestination? expected, CancellationToken cancellationToken)
    {
        var metadata = UploadMetadata(request, null, null);
        var uri = UploadUri("uploadType=resumable&fields=" + Uri.EscapeDataString(ObjectFields) + GenerationMatch(expected));
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
    /// Sends one chunk, [<paramref name="chunkStart"/>, +length), from what the session is known to
    /// hold (<paramref name="known"/>). Each retry first asks the session how much it persisted. Returns
    /// the object when the upload finished; otherwise the session's offset, at or past the chunk's end
    /// once the chunk is stored (also when it was stored but its answer lost), or before the chunk's
    /// start when the session went back (the caller cannot resend those bytes).
    /// </summary>
    private async Task<ChunkOutcome> SendChunkAsync(string key, Uri session, ReadOnlyMemory<byte> data, long chunkStart, long total, long known, string? hashes, UploadSessionSlot? slot, CancellationToken cancellationToken, bool askFirst = false)
    {
        var chunkEnd = chunkStart + data.Length;
        var persisted = Math.Max(known, chunkStart);
        var ask = askFirst;
        try
        {
            return await _pipeline.ExecuteAsync(
                async token =>
                {
                    if (ask)
                    {
                        var status = await QueryStatusAsync(key, session, total, retry: false, token).ConfigureAwait(false);
                        if (status.Finished is not null)
                        {
                            return new ChunkOutcome(total, status.Finished);
                        }

                        persisted = status.Persisted;
                    }

                    ask = true;
                    while (true)
                    {
                        if (persisted < chunkStart)
                        {
                            return new ChunkOutcome(persisted, null);
                        }

                        if (persisted >= chunkEnd)
                        {
                            if (chunkEnd < total)
                            {
                                return new ChunkOutcome(persisted, null);
                            }

                            // Every byte is stored and a session finishes at its last byte: asking it gives the object.
                            var status = await QueryStatusAsync(key, session, total, retry: false, token).ConfigureAwait(false);
                            return status.Finished is not null
                                ? new ChunkOutcome(total, status.Finished)
                                : throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the upload session holds every byte but has not finished");
                        }

                        var answer = await PutAsync(key, session, data[(int)(persisted - chunkStart)..], persisted, total, chunkEnd == total ? hashes : null, token).ConfigureAwait(false);
                        if (answer.Finished is not null)
                        {
                            return new ChunkOutcome(total, answer.Finished);
                        }

                        if (answer.Persisted <= persisted)
                        {
                            // Nothing of it kept (or less than before): the next attempt asks where the session stands.
                            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the session persisted nothing of a chunk");
                        }

                        persisted = answer.Persisted;
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // 404/410: the session expired or was cancelled. The next attempt starts a new one from byte 0.
            await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the upload session is gone; starting over", ex);
        }
        catch (StoreException ex) when (hashes is not null && chunkEnd == total && ex.InnerException is GcsHttpException { Status: HttpStatusCode.BadRequest })
        {
            // The last chunk refused: what the session holds does not match the hashes of what was read.
            await ForgetAsync(slot, cancellationToken).ConfigureAwait(false);
            throw new StoreException(StoreErrorKind.Transient, $"{Describe("PUT", key)}: the server refused the upload's content (HTTP 400 on the last chunk, checked against crc32c and md5); starting over", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: resuming an earlier upload session at byte {Offset}")]
    private static partial void LogResumed(ILogger logger, string what, long offset);
}
