using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private long _chunkPuts;
    private long _statusQueries;
    private long _resentBytes;
    private long _receivedBytes;
    private int _failChunk = -1;
    private int _chunkRequestsInProgress;

    /// <summary>Chunk PUTs received (status queries excluded).</summary>
    public long ChunkPuts => Interlocked.Read(ref _chunkPuts);

    /// <summary>Status queries (<c>Content-Range: bytes */SIZE</c>) received.</summary>
    public long StatusQueries => Interlocked.Read(ref _statusQueries);

    /// <summary>Bytes received for offsets the session had already persisted: what a client re-sent.</summary>
    public long ResentBytes => Interlocked.Read(ref _resentBytes);

    /// <summary>Resumable chunk requests (and status queries) being handled right now: a killed
    /// client's last chunk can still be on its way into the session after the client is gone.</summary>
    public int ChunkRequestsInProgress => Volatile.Read(ref _chunkRequestsInProgress);

    /// <summary>Bytes of resumable chunks received.</summary>
    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    /// <summary>Sessions started.</summary>
    public int SessionsStarted => _sessions.Count;

    /// <summary>Fault injection: the chunk PUT with this 0-based number (over all sessions) fails as
    /// <see cref="ChunkFault"/> says; -1 (default) for none.</summary>
    public int FailChunkNumber
    {
        get => _failChunk;
        set => _failChunk = value;
    }

    /// <summary>How the chunk numbered <see cref="FailChunkNumber"/> fails (default
    /// <see cref="ChunkFaultKind.HalfPersisted"/>).</summary>
    public ChunkFaultKind ChunkFault { get; set; }

    /// <summary>Last chunks received with an <c>X-Goog-Hash</c> header (checked against the content).</summary>
    public long HashedLastChunks => Interlocked.Read(ref _hashedLastChunks);

    private long _hashedLastChunks;

    /// <summary>Uploads whose last byte arrived but which were refused (precondition, or an
    /// <c>X-Goog-Hash</c> that does not match the bytes).</summary>
    public long RefusedUploads => Interlocked.Read(ref _refusedUploads);

    private long _refusedUploads;

    private async Task StartResumableAsync(HttpListenerRequest request, HttpListenerResponse response, string bucket, System.Collections.Specialized.NameValueCollection query)
    {
        var metadata = await new StreamReader(request.InputStream).ReadToEndAsync();
        var name = query["name"] ?? (metadata.Length > 0 ? JsonNode.Parse(metadata)?["name"]?.GetValue<string>() : null);
        if (name is null)
        {
            await ErrorAsync(response, 400, "required", "Required: the object name");
            return;
        }

        // A precondition binds the whole upload: checked now, and again when the last byte arrives.
        var ifGenerationMatch = query["ifGenerationMatch"];
        if (!await GenerationMatchesAsync(response, bucket, name, ifGenerationMatch))
        {
            return;
        }

        // X-Upload-Content-Length is optional: without it the size comes with the last chunk.
        long? total = long.TryParse(request.Headers["X-Upload-Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var declared) ? declared : null;

        var id = Guid.NewGuid().ToString("N");
        _sessions[id] = new Session(bucket, name, metadata.Length == 0 ? "{}" : metadata, request.Headers["X-Upload-Content-Type"], total) { IfGenerationMatch = ifGenerationMatch };
        response.StatusCode = 200;
        response.AddHeader("Location", $"{Endpoint}/upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}");
        response.ContentLength64 = 0;
    }

    /// <summary>Delay before each chunk PUT is read (slows uploads so a test can kill a run mid-upload); zero by default.</summary>
    public TimeSpan ChunkDelay { get; set; }

    private async Task ResumableChunkAsync(HttpListenerRequest request, HttpListenerResponse response, string id)
    {
        Interlocked.Increment(ref _chunkRequestsInProgress);
        try
        {
            await HandleResumableChunkAsync(request, response, id);
        }
        finally
        {
            Interlocked.Decrement(ref _chunkRequestsInProgress);
        }
    }

    private async Task HandleResumableChunkAsync(HttpListenerRequest request, HttpListenerResponse response, string id)
    {
        var session = _sessions[id];
        if (ChunkDelay > TimeSpan.Zero)
        {
            await Task.Delay(ChunkDelay);
        }

        if (session.Refused is { } refusal)
        {
            // A session the server refused to finish stays refused.
            await ErrorAsync(response, refusal.Status, refusal.Reason, "the upload was refused (test layer)");
            return;
        }

        var range = request.Headers["Content-Range"] ?? string.Empty;
        var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var bytes = body.ToArray();
        // "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/*" (size not known yet) or "bytes */TOTAL" (a
        // status query, or the end of an upload whose size became known with no bytes left).
        var spec = range.StartsWith("bytes ", StringComparison.Ordinal) ? range["bytes ".Length..].Split('/', 2) : ["*", "*"];
        if (spec.Length == 2 && long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out var declaredTotal))
        {
            lock (session)
            {
                session.Total ??= declaredTotal;
            }
        }

        if (spec[0] == "*")
        {
            Interlocked.Increment(ref _statusQueries);
            await AnswerStatusAsync(request, response, session);
            return;
        }

        var firstLast = spec[0].Split('-', 2);
        var first = long.Parse(firstLast[0], CultureInfo.InvariantCulture);
        var number = (int)Interlocked.Increment(ref _chunkPuts) - 1;
        Interlocked.Add(ref _receivedBytes, bytes.Length);
        lock (session)
        {
            if (session.Finished is null)
            {
                var persisted = session.Data.Length;
                if (first > persisted)
                {
                    // A gap: nothing is accepted; the 308 tells the client where the session stands.
                    bytes = [];
                }
                else
                {
                    var overlap = (int)Math.Min(bytes.Length, persisted - first);
                    Interlocked.Add(ref _resentBytes, overlap);
                    var fresh = bytes.AsSpan(overlap);
                    if (number == _failChunk && ChunkFault == ChunkFaultKind.HalfPersisted)
                    {
                        fresh = fresh[..(fresh.Length / 2 / (256 * 1024) * (256 * 1024))];
                    }

                    session.Append(fresh);
                }
            }
        }

        if (number == _failChunk && ChunkFault == ChunkFaultKind.AllPersistedConnectionDropped)
        {
            // The chunk is kept, then the connection goes without an answer.
            response.Abort();
            return;
        }

        if (number == _failChunk)
        {
            await ErrorAsync(response, 503, "backendError", "injected failure after the chunk (test layer)");
            return;
        }

        await AnswerStatusAsync(request, response, session);
    }

    /// <summary>308 with the persisted Range while incomplete; once every byte is in, the object is
    /// stored through the emulator (multipart upload) and its resource answered.</summary>
    private async Task AnswerStatusAsync(HttpListenerRequest request, HttpListenerResponse response, Session session)
    {
        byte[]? complete = null;
        lock (session)
        {
            if (session.Finished is null && session.Data.Length == session.Total)
            {
                complete = session.Data.ToArray();
            }
        }

        if (complete is not null && await RefusalAsync(request, session) is { } refusal)
        {
            Interlocked.Increment(ref _refusedUploads);
            lock (session)
            {
                session.Refused ??= refusal;
            }

            await ErrorAsync(response, refusal.Status, refusal.Reason, "the upload was refused (test layer)");
            return;
        }

        if (complete is not null)
        {
            var snapshot = await SnapshotAsync(session.Bucket, session.Name);
            var stored = complete.Length > LargeObjectBytes
                ? await StoreLargeAsync(session.Bucket, session.Metadata, session.ContentType, complete)
                : await StoreAsync(session.Bucket, session.Metadata, session.ContentType, complete);
            Archive(session.Bucket, snapshot);
            lock (session)
            {
                session.Finished ??= stored;
                // A finished session answers with its object from now on: its bytes are not needed
                // again (kept, every large upload of a long benchmark would stay in this process).
                session.Data.SetLength(0);
                session.Data.Capacity = 0;
            }
        }

        if (session.Finished is { } finished)
        {
            await JsonAsync(response, 200, AsServed(session.Bucket, JsonNode.Parse(finished)!));
            return;
        }

        // Clients whose HTTP stack follows 308 as a redirect ask for 200 plus an override header.
        if (string.Equals(request.Headers["X-GUploader-No-308"], "yes", StringComparison.OrdinalIgnoreCase))
        {
            response.StatusCode = 200;
            response.AddHeader("X-HTTP-Status-Code-Override", "308");
        }
        else
        {
            response.StatusCode = 308;
        }

        var persisted = session.Data.Length;
        if (persisted > 0)
        {
            response.AddHeader("Range", $"bytes=0-{persisted - 1}");
        }

        response.ContentLength64 = 0;
    }

    /// <summary>Why the server refuses to finish an upload whose last byte arrived: its precondition
    /// no longer holds (412), or its <c>X-Goog-Hash</c> does not match the bytes (400); null to finish.</summary>
    private async Task<(int Status, string Reason)?> RefusalAsync(HttpListenerRequest request, Session session)
    {
        if (session.IfGenerationMatch is { } expected)
        {
            var current = await GenerationAsync(session.Bucket, session.Name);
            if ((current?.ToString(CultureInfo.InvariantCulture) ?? "0") != expected)
            {
                return (412, "conditionNotMet");
            }
        }

        if (request.Headers["X-Goog-Hash"] is { Length: > 0 } header)
        {
            Interlocked.Increment(ref _hashedLastChunks);
            foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)))
            {
                var actual = pair[0] switch
                {
                    "crc32c" => session.Crc32cBase64(),
                    "md5" => session.Md5Base64(),
                    _ => null,
                };
                if (actual is not null && (pair.Length != 2 || pair[1] != actual))
                {
                    return (400, "invalid");
                }
            }
        }

        return null;
    }

    /// <summary>Stores an object through the emulator with a multipart upload; returns its resource JSON.</summary>
    private async Task<string> StoreAsync(string bucket, string metadataJson, string? contentType, byte[] data)
    {
        var boundary = "gaps" + Guid.NewGuid().ToString("N");
        var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadataJson}\r\n--{boundary}\r\nContent-Type: {contentType ?? "application/octet-stream"}\r\n\r\n"));
        body.Write(data);
        body.Write(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"));
        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/related; boundary={boundary}");
        using var answer = await _http.PostAsync(new Uri(_upstream, $"upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=multipart"), content);
        var text = await answer.Content.ReadAsStringAsync();
        return answer.IsSuccessStatusCode ? text : throw new InvalidOperationException($"the emulator refused the upload: {(int)answer.StatusCode} {text}");
    }

    private sealed class Session(string bucket, string name, string metadata, string? contentType, long? total)
    {
        public string Bucket { get; } = bucket;

        public string Name { get; } = name;

        public string Metadata { get; } = metadata;

        public string? ContentType { get; } = contentType;

        public long? Total { get; set; } = total;

        public MemoryStream Data { get; } = new();

        /// <summary>Hashes of <see cref="Data"/>, kept as the chunks arrive (as a server does), so the
        /// last chunk's <c>X-Goog-Hash</c> is checked without another pass over the whole upload.</summary>
        private readonly System.Security.Cryptography.IncrementalHash _md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        private uint _crc = 0xFFFFFFFFu;

        /// <summary>Appends persisted bytes (under the session's lock).</summary>
        public void Append(ReadOnlySpan<byte> bytes)
        {
            Data.Write(bytes);
            _md5.AppendData(bytes);
            _crc = Crc32cUpdate(_crc, bytes);
        }

        public string Md5Base64()
        {
            lock (this)
            {
                return Convert.ToBase64String(_md5.GetCurrentHash());
            }
        }

        public string Crc32cBase64()
        {
            lock (this)
            {
                return GcsEmulatorGaps.Crc32cBase64(_crc);
            }
        }

        public string? Finished { get; set; }

        public string? IfGenerationMatch { get; init; }

        public (int Status, string Reason)? Refused { get; set; }
    }
}
