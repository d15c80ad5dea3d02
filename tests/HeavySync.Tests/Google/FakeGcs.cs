using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using HeavySync.Hashing;

namespace HeavySync.Tests.Google;

/// <summary>
/// Fault injection for the GCS client's protocol handling: an <see cref="HttpMessageHandler"/> that
/// plays a small GCS JSON API server in memory (one bucket; listing, object get / delete with
/// ifGenerationMatch, multipart uploads, resumable sessions that persist in 256 KiB units and answer
/// 308 with Range, objects.rewrite in several rounds) and lets a test replace or spoil any answer:
/// <see cref="Before"/> answers instead of the server, <see cref="After"/> replaces the answer of a
/// request the server already processed (the effect happened, the answer is lost). Every request is
/// recorded. The behaviour follows Google's JSON API reference; it never stands in for the
/// emulator-backed integration tests.
/// </summary>
internal sealed class FakeGcs : HttpMessageHandler
{
    public const string Root = "http://gcs.test";

    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly Dictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private long _generation = 1_000;
    private int _rewriteTokens;

    public FakeGcs(string bucket = "bkt") => Bucket = bucket;

    /// <summary>The one bucket the server has.</summary>
    public string Bucket { get; }

    /// <summary>Rounds objects.rewrite takes (answers "not done" with a token before the last; default 3).</summary>
    public int RewriteRounds { get; set; } = 3;

    /// <summary>Called first for every request; a non-null answer is sent instead of the server's (nothing happens).</summary>
    public Func<Call, HttpResponseMessage?>? Before { get; set; }

    /// <summary>Called after the server handled a request; a non-null answer replaces the server's (the effect stays).</summary>
    public Func<Call, HttpResponseMessage?>? After { get; set; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<Call> Calls => _calls.ToArray();

    /// <summary>The sessions started, in order.</summary>
    public List<Session> Sessions { get; } = [];

    /// <summary>Stores an object directly (as another writer would); returns its generation.</summary>
    public long Put(string name, byte[] data, bool composite = false)
    {
        lock (_objects)
        {
            var generation = ++_generation;
            _objects[name] = new StoredObject(data, generation, composite, new Dictionary<string, string>());
            return generation;
        }
    }

    /// <summary>The stored bytes of an object, or null.</summary>
    public byte[]? Data(string name)
    {
        lock (_objects)
        {
            return _objects.TryGetValue(name, out var o) ? o.Data : null;
        }
    }

    /// <summary>The live generation of an object, or null.</summary>
    public long? Generation(string name)
    {
        lock (_objects)
        {
            return _objects.TryGetValue(name, out var o) ? o.Generation : null;
        }
    }

    /// <summary>A JSON error answer as GCS gives it.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string reason, TimeSpan? retryAfter = null)
    {
        var answer = Json(status, new JsonObject { ["error"] = new JsonObject { ["code"] = (int)status, ["message"] = reason, ["errors"] = new JsonArray(new JsonObject { ["reason"] = reason }) } });
        if (retryAfter is { } delay)
        {
            answer.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
        }

        return answer;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var call = new Call(
            request.Method.Method,
            request.RequestUri!,
            HttpUtility.ParseQueryString(request.RequestUri!.Query),
            body,
            request.Content?.Headers.ContentRange?.ToString(),
            request.Headers.TryGetValues("X-Goog-Hash", out var hash) ? string.Join(",", hash) : null,
            request.Headers.Range?.ToString());
        _calls.Enqueue(call);
        if (Before?.Invoke(call) is { } early)
        {
            return early;
        }

        var answer = Handle(call);
        return After?.Invoke(call) ?? answer;
    }

    private HttpResponseMessage Handle(Call call)
    {
        var path = call.Uri.AbsolutePath;
        var bucketPath = $"/storage/v1/b/{Bucket}";
        if (path.StartsWith("/upload/session/", StringComparison.Ordinal))
        {
            return SessionPut(call, path["/upload/session/".Length..]);
        }

        if (path == $"/upload/storage/v1/b/{Bucket}/o" && call.Method == "POST")
        {
            return call.Query["uploadType"] == "resumable" ? StartSession(call) : MultipartUpload(call);
        }

        if (path == bucketPath && call.Method == "GET")
        {
            return Json(HttpStatusCode.OK, new JsonObject { ["name"] = Bucket });
        }

        if (path == bucketPath + "/o" && call.Method == "GET")
        {
            lock (_objects)
            {
                var items = new JsonArray(_objects.OrderBy(o => o.Key, StringComparer.Ordinal)
                    .Where(o => o.Key.StartsWith(call.Query["prefix"] ?? string.Empty, StringComparison.Ordinal))
                    .Select(o => (JsonNode)Resource(o.Key, o.Value)).ToArray());
                return Json(HttpStatusCode.OK, new JsonObject { ["items"] = items });
            }
        }

        if (path.StartsWith(bucketPath + "/o/", StringComparison.Ordinal))
        {
            var rest = path[(bucketPath.Length + 3)..];
            var rewrite = rest.IndexOf("/rewriteTo/b/", StringComparison.Ordinal);
            if (rewrite >= 0 && call.Method == "POST")
            {
                var destination = rest[(rewrite + "/rewriteTo/b/".Length)..].Split("/o/", 2)[1];
                return Rewrite(call, Uri.UnescapeDataString(rest[..rewrite]), Uri.UnescapeDataString(destination));
            }

            return ObjectCall(call, Uri.UnescapeDataString(rest));
        }

        return Error(HttpStatusCode.NotFound, "notFound");
    }

    private HttpResponseMessage ObjectCall(Call call, string name)
    {
        lock (_objects)
        {
            _objects.TryGetValue(name, out var found);
            if (call.Query["ifGenerationMatch"] is { } expected && (found?.Generation ?? 0).ToString(CultureInfo.InvariantCulture) != expected)
            {
                return found is null && expected != "0" ? Error(HttpStatusCode.NotFound, "notFound") : Error(HttpStatusCode.PreconditionFailed, "conditionNotMet");
            }

            if (found is null)
            {
                return Error(HttpStatusCode.NotFound, "notFound");
            }

            if (call.Method == "DELETE")
            {
                _objects.Remove(name);
                return new HttpResponseMessage(HttpStatusCode.NoContent);
            }

            if (call.Query["alt"] != "media")
            {
                return Json(HttpStatusCode.OK, Resource(name, found));
            }

            var from = 0L;
            var to = found.Data.Length - 1L;
            var ranged = call.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal);
            if (ranged)
            {
                var spec = call.Range!["bytes=".Length..].Split('-');
                from = long.Parse(spec[0], CultureInfo.InvariantCulture);
                to = spec[1].Length > 0 ? Math.Min(to, long.Parse(spec[1], CultureInfo.InvariantCulture)) : to;
            }

            var answer = new HttpResponseMessage(ranged ? HttpStatusCode.PartialContent : HttpStatusCode.OK)
            {
                Content = new ByteArrayContent(found.Data[(int)from..(int)(to + 1)]),
            };
            if (ranged)
            {
                answer.Content.Headers.ContentRange = new System.Net.Http.Headers.ContentRangeHeaderValue(from, to, found.Data.Length);
            }

            answer.Headers.Add("x-goog-generation", found.Generation.ToString(CultureInfo.InvariantCulture));
            return answer;
        }
    }

    private HttpResponseMessage MultipartUpload(Call call)
    {
        var text = Encoding.Latin1.GetString(call.Body);
        var boundary = text[2..text.IndexOf("\r\n", StringComparison.Ordinal)];
        var parts = text.Split("--" + boundary);
        var metadata = JsonNode.Parse(parts[1][(parts[1].IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..^2])!;
        var media = parts[2][(parts[2].IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..^2];
        return Store(metadata, Encoding.Latin1.GetBytes(media), call.Query["ifGenerationMatch"]);
    }

    private HttpResponseMessage StartSession(Call call)
    {
        var metadata = JsonNode.Parse(call.Body)!;
        lock (_objects)
        {
            var name = metadata["name"]!.GetValue<string>();
            if (call.Query["ifGenerationMatch"] is { } expected && (_objects.TryGetValue(name, out var o) ? o.Generation : 0).ToString(CultureInfo.InvariantCulture) != expected)
            {
                return Error(HttpStatusCode.PreconditionFailed, "conditionNotMet");
            }

            var id = (Sessions.Count + 1).ToString(CultureInfo.InvariantCulture);
            var session = new Session(id, metadata, call.Query["ifGenerationMatch"]);
            Sessions.Add(session);
            _sessions[id] = session;
            var answer = new HttpResponseMessage(HttpStatusCode.OK);
            answer.Headers.Location = new Uri($"{Root}/upload/session/{id}");
            return answer;
        }
    }

    private HttpResponseMessage SessionPut(Call call, string id)
    {
        lock (_objects)
        {
            if (!_sessions.TryGetValue(id, out var session))
            {
                return Error(HttpStatusCode.NotFound, "notFound");
            }

            if (session.Finished is { } done)
            {
                return Json(HttpStatusCode.OK, Resource(done, _objects[done]));
            }

            // "bytes */TOTAL" asks; "bytes FIRST-LAST/TOTAL" sends.
            var range = call.ContentRange ?? string.Empty;
            var spec = range["bytes ".Length..].Split('/');
            var total = long.Parse(spec[1], CultureInfo.InvariantCulture);
            if (spec[0] != "*")
            {
                session.ChunkPuts++;
                var first = long.Parse(spec[0].Split('-')[0], CultureInfo.InvariantCulture);
                var persisted = session.Data.Length;
                if (first <= persisted && first + call.Body.Length > persisted)
                {
                    var fresh = call.Body.AsSpan((int)(persisted - first));

                    // GCS persists whole 256 KiB units until the last byte arrives.
                    var isLast = first + call.Body.Length == total;
                    var keep = isLast ? fresh.Length : fresh.Length / (256 * 1024) * (256 * 1024);
                    session.Data.Write(fresh[..keep]);
                }
            }

            if (session.Data.Length == total)
            {
                if (call.GoogHash is { } hashes)
                {
                    var data = session.Data.ToArray();
                    var want = $"crc32c={Crc32c.ToBase64BigEndian(Crc32c.Compute(data))},md5={Convert.ToBase64String(MD5.HashData(data))}";
                    if (hashes != want)
                    {
                        return Error(HttpStatusCode.BadRequest, "invalid");
                    }
                }

                var stored = Store(session.Metadata, session.Data.ToArray(), session.IfGenerationMatch);
                if (stored.IsSuccessStatusCode)
                {
                    session.Finished = session.Metadata["name"]!.GetValue<string>();
                }

                return stored;
            }

            var incomplete = new HttpResponseMessage(HttpStatusCode.PermanentRedirect);
            if (session.Data.Length > 0)
            {
                incomplete.Headers.TryAddWithoutValidation("Range", $"bytes=0-{session.Data.Length - 1}");
            }

            return incomplete;
        }
    }

    private HttpResponseMessage Rewrite(Call call, string source, string destination)
    {
        lock (_objects)
        {
            if (!_objects.TryGetValue(source, out var from))
            {
                return Error(HttpStatusCode.NotFound, "notFound");
            }

            if (call.Query["ifSourceGenerationMatch"] is { } expected && from.Generation.ToString(CultureInfo.InvariantCulture) != expected)
            {
                return Error(HttpStatusCode.PreconditionFailed, "conditionNotMet");
            }

            var round = call.Query["rewriteToken"] is { } token ? int.Parse(token.Split('-')[1], CultureInfo.InvariantCulture) : 0;
            if (round + 1 < RewriteRounds)
            {
                return Json(HttpStatusCode.OK, new JsonObject
                {
                    ["done"] = false,
                    ["rewriteToken"] = $"t{Interlocked.Increment(ref _rewriteTokens)}-{round + 1}",
                    ["totalBytesRewritten"] = ((round + 1) * from.Data.Length / RewriteRounds).ToString(CultureInfo.InvariantCulture),
                });
            }

            var stored = Store(new JsonObject { ["name"] = destination }, from.Data, call.Query["ifGenerationMatch"], from.Composite);
            if (!stored.IsSuccessStatusCode)
            {
                return stored;
            }

            return Json(HttpStatusCode.OK, new JsonObject { ["done"] = true, ["resource"] = Resource(destination, _objects[destination]) });
        }
    }

    private HttpResponseMessage Store(JsonNode metadata, byte[] data, string? ifGenerationMatch, bool composite = false)
    {
        lock (_objects)
        {
            var name = metadata["name"]!.GetValue<string>();
            if (ifGenerationMatch is { } expected && (_objects.TryGetValue(name, out var o) ? o.Generation : 0).ToString(CultureInfo.InvariantCulture) != expected)
            {
                return Error(HttpStatusCode.PreconditionFailed, "conditionNotMet");
            }

            var custom = metadata["metadata"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) ?? new Dictionary<string, string>();
            _objects[name] = new StoredObject(data, ++_generation, composite, custom);
            return Json(HttpStatusCode.OK, Resource(name, _objects[name]));
        }
    }

    private static JsonObject Resource(string name, StoredObject o)
    {
        var resource = new JsonObject
        {
            ["name"] = name,
            ["size"] = o.Data.Length.ToString(CultureInfo.InvariantCulture),
            ["generation"] = o.Generation.ToString(CultureInfo.InvariantCulture),
            ["crc32c"] = Crc32c.ToBase64BigEndian(Crc32c.Compute(o.Data)),
            ["updated"] = "2024-01-02T03:04:05.000Z",
        };
        if (!o.Composite)
        {
            resource["md5Hash"] = Convert.ToBase64String(MD5.HashData(o.Data));
        }

        if (o.Metadata.Count > 0)
        {
            resource["metadata"] = new JsonObject(o.Metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        return resource;
    }

    private static HttpResponseMessage Json(HttpStatusCode status, JsonNode body) =>
        new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    /// <summary>One request: method, URI, parsed query, body, and the headers the protocol uses.</summary>
    internal sealed record Call(string Method, Uri Uri, System.Collections.Specialized.NameValueCollection Query, byte[] Body, string? ContentRange, string? GoogHash, string? Range)
    {
        /// <summary>A chunk PUT (not a status query) of a resumable session.</summary>
        public bool IsChunk => Uri.AbsolutePath.StartsWith("/upload/session/", StringComparison.Ordinal) && ContentRange is { } r && !r.StartsWith("bytes */", StringComparison.Ordinal);

        /// <summary>A status query (<c>Content-Range: bytes */TOTAL</c>) of a resumable session.</summary>
        public bool IsStatusQuery => Uri.AbsolutePath.StartsWith("/upload/session/", StringComparison.Ordinal) && ContentRange is { } r && r.StartsWith("bytes */", StringComparison.Ordinal);

        /// <summary>The first byte a chunk PUT carries.</summary>
        public long ChunkStart => long.Parse(ContentRange!["bytes ".Length..].Split('-')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>A resumable session: what it persisted, and the object once finished.</summary>
    internal sealed class Session(string id, JsonNode metadata, string? ifGenerationMatch)
    {
        public string Id { get; } = id;

        public JsonNode Metadata { get; } = metadata;

        public string? IfGenerationMatch { get; } = ifGenerationMatch;

        public MemoryStream Data { get; } = new();

        public int ChunkPuts { get; set; }

        public string? Finished { get; set; }
    }

    private sealed record StoredObject(byte[] Data, long Generation, bool Composite, Dictionary<string, string> Metadata);
}
