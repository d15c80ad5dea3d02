using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

using System.Text.Json.Nodes;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>
/// TEST-ONLY layer in front of Google's storage emulator, supplying what the emulator lacks, per the
/// GCS JSON API reference: buckets.insert / buckets.get (a bucket exists only once inserted; the
/// emulator invents buckets on first use), multi-chunk resumable uploads (308 with Range, status
/// queries), objects.rewrite under /storage/v1 with a rewriteToken round, ifGenerationMatch /
/// ifSourceGenerationMatch (412), multipart bodies whose parts carry more than one header, and object versioning (noncurrent generations with timeDeleted,
/// listed with versions=true, deleted by generation), listings in UTF-8 byte order (the emulator
/// sorts by UTF-16 units), plus a fake OAuth token endpoint for test
/// service-account files. Everything else is forwarded untouched; the emulator stays the
/// storage engine (finished uploads and rewrites are stored through it). Listens on 127.0.0.1.
/// </summary>
public sealed partial class GcsEmulatorGaps : IAsyncDisposable
{
    private readonly Uri _upstream;
    private readonly HttpListener _listener;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromMinutes(5) };
    private readonly ConcurrentDictionary<string, bool> _buckets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private GcsEmulatorGaps(string upstream, HttpListener listener, int port)
    {
        _listener = listener;
        _upstream = new Uri(upstream.TrimEnd('/') + "/");
        Endpoint = $"http://127.0.0.1:{port}";
        _loop = Task.Run(AcceptLoopAsync);
    }

    private readonly ConcurrentDictionary<string, long> _uploads = new(StringComparer.Ordinal);

    /// <summary>Uploads started into <paramref name="bucket"/> (objects.insert requests of any upload type): the copies made.</summary>
    public long UploadsTo(string bucket) => _uploads.GetValueOrDefault(bucket);

    /// <summary>The layer's URL; point stores here.</summary>
    public string Endpoint { get; }

    /// <summary>Starts a layer in front of the emulator at <paramref name="upstream"/>.</summary>
    public static GcsEmulatorGaps Start(string upstream)
    {
        var (listener, port) = LoopbackHttpListener.Start();
        return new GcsEmulatorGaps(upstream, listener, port);
    }

    /// <summary>Forgets a bucket, as buckets.delete would (its objects stay in the emulator, unreachable).</summary>
    public void DeleteBucket(string name) => _buckets.TryRemove(name, out _);

    /// <summary>Stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            _ = Task.Run(() => HandleSafelyAsync(context));
        }
    }

    private async Task HandleSafelyAsync(HttpListenerContext context)
    {
        try
        {
            await HandleAsync(context.Request, context.Response);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (or a fault cut the connection on purpose).
        }
        catch (HttpRequestException)
        {
            // The emulator did not answer: say so, as a gateway would, rather than an empty 200.
            try
            {
                await ErrorAsync(context.Response, 502, "backendError", "the storage emulator did not answer (test layer)");
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Headers were already sent: closing is all that is left.
            }
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Already closed or aborted.
            }
        }
    }

    private async Task HandleAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var raw = request.RawUrl ?? "/";
        var path = raw.Split('?', 2)[0];
        var query = System.Web.HttpUtility.ParseQueryString(request.Url?.Query ?? string.Empty);
        var segments = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();

        if (request.HttpMethod == "POST" && path == "/token")
        {
            await TokenAsync(request, response);
            return;
        }

        NoteAuthorization(request);
        Record(request, path, query);
        if (await RefusedAsync(request, response))
        {
            return;
        }

        // buckets.insert: POST /storage/v1/b?project=P
        if (request.HttpMethod == "POST" && path.TrimEnd('/') == "/storage/v1/b")
        {
            await InsertBucketAsync(request, response, query["project"]);
            return;
        }

        var bucket = BucketOf(segments);
        if (bucket is not null && !_buckets.ContainsKey(bucket))
        {
            await ErrorAsync(response, 404, "notFound", "The specified bucket does not exist.");
            return;
        }

        // buckets.get: GET /storage/v1/b/{bucket}
        if (request.HttpMethod == "GET" && segments is ["storage", "v1", "b", _])
        {
            await JsonAsync(response, 200, new JsonObject { ["kind"] = "storage#bucket", ["name"] = bucket, ["versioning"] = new JsonObject { ["enabled"] = _buckets[bucket!] } });
            return;
        }

        if (segments is ["storage", "v1", "b", _, "o", _, "rewriteTo", "b", _, "o", _] && request.HttpMethod == "POST")
        {
            await RewriteAsync(response, segments[3], segments[5], segments[8], segments[10], query);
            return;
        }

        if (segments is ["upload", "storage", "v1", "b", _, "o"])
        {
            // The reference sends chunks with PUT; Google's own clients also use POST (Go's, in rclone).
            if (request.HttpMethod is "PUT" or "POST" && query["upload_id"] is { } id && _sessions.ContainsKey(id))
            {
                await ResumableChunkAsync(request, response, id);
                return;
            }

            if (request.HttpMethod == "POST")
            {
                _uploads.AddOrUpdate(segments[4], 1, static (_, n) => n + 1);
            }

            // ifGenerationMatch binds every upload type; the object's name is in the query (media) or
            // in the metadata body (multipart, resumable), so each branch checks it once it has the name.
            if (request.HttpMethod == "POST" && (query["uploadType"] ?? request.Headers["X-Goog-Upload-Protocol"]) == "resumable")
            {
                await StartResumableAsync(request, response, segments[4], query);
                return;
            }

            if (request.HttpMethod == "POST" && (query["uploadType"] ?? request.Headers["X-Goog-Upload-Protocol"]) == "multipart")
            {
                await MultipartUploadAsync(request, response, segments[4], query);
                return;
            }

            if (request.HttpMethod == "POST" && !await GenerationMatchesAsync(response, segments[4], query["name"], query["ifGenerationMatch"]))
            {
                return;
            }

            if (request.HttpMethod == "POST" && _buckets[segments[4]])
            {
                // A media upload (name in the query) to a versioned bucket keeps the generation it replaces.
                var snapshot = await SnapshotAsync(segments[4], query["name"]);
                if (await ForwardAsync(request, response, raw) < 300)
                {
                    Archive(segments[4], snapshot);
                }

                return;
            }
        }

        if (segments is ["storage", "v1", "b", _, "o"] && request.HttpMethod == "GET" && query["versions"] == "true")
        {
            await ListVersionsAsync(response, segments[3], query);
            return;
        }

        if (segments is ["storage", "v1", "b", _, "o"] && request.HttpMethod == "GET" && query["delimiter"] is null)
        {
            await ListInByteOrderAsync(response, segments[3], query);
            return;
        }

        // Preconditions on objects.get / objects.delete: /storage/v1/b/{b}/o/{o}
        if (segments is ["storage", "v1", "b", _, "o", _] && query["ifGenerationMatch"] is { } expected
            && !await GenerationMatchesAsync(response, segments[3], segments[5], expected))
        {
            return;
        }

        if (segments is ["storage", "v1", "b", _, "o", _] && request.HttpMethod == "DELETE")
        {
            if (query["generation"] is { } generation && await DeleteNoncurrentAsync(response, segments[3], segments[5], generation))
            {
                return;
            }

            var snapshot = query["generation"] is null ? await SnapshotAsync(segments[3], segments[5]) : null;
            if (await ForwardAsync(request, response, raw) < 300)
            {
                Archive(segments[3], snapshot);
            }

            return;
        }

        if (segments is ["storage", "v1", "b", _, "o", _] && request.HttpMethod == "GET" && query["alt"] == "media")
        {
            await ForwardAsync(request, response, raw, Corrupts(segments[3], segments[5]) ? static (_, body) => FlipFirstByte(body) : null, dropRange: IgnoreRange);
            return;
        }

        // Object resources and listings: as composite objects where a test asked for them.
        await ForwardAsync(request, response, raw, bucket is not null && _compositeBuckets.ContainsKey(bucket) ? (answer, body) => ServedJson(bucket, answer, body) : null);
    }

    /// <summary>A JSON answer's body with its object resources as served for <paramref name="bucket"/>.</summary>
    private byte[] ServedJson(string bucket, HttpResponseMessage answer, byte[] body) =>
        answer.Content.Headers.ContentType?.MediaType == "application/json" && body.Length > 0
            ? Encoding.UTF8.GetBytes(AsServed(bucket, JsonNode.Parse(body)!).ToJsonString())
            : body;

    /// <summary>The bucket a JSON API path names (/storage/v1/b/B/..., /upload/storage/v1/b/B/..., /download/storage/v1/b/B/...).</summary>
    private static string? BucketOf(string[] segments)
    {
        var at = Array.IndexOf(segments, "b");
        return at >= 0 && at + 1 < segments.Length && at <= 3 ? segments[at + 1] : null;
    }

    private async Task InsertBucketAsync(HttpListenerRequest request, HttpListenerResponse response, string? project)
    {
        if (string.IsNullOrEmpty(project))
        {
            await ErrorAsync(response, 400, "required", "Required parameter: project");
            return;
        }

        var body = JsonNode.Parse(await new StreamReader(request.InputStream).ReadToEndAsync())!;
        var name = body["name"]!.GetValue<string>();
        var versioned = body["versioning"]?["enabled"]?.GetValue<bool>() ?? false;
        if (!_buckets.TryAdd(name, versioned))
        {
            await ErrorAsync(response, 409, "conflict", "Your previous request to create the named bucket succeeded and you already own it.");
            return;
        }

        await JsonAsync(response, 200, new JsonObject { ["kind"] = "storage#bucket", ["name"] = name, ["versioning"] = new JsonObject { ["enabled"] = versioned } });
    }

    /// <summary>Checks ifGenerationMatch against the emulator's live generation ("0": must not exist);
    /// answers 412 and returns false when it fails.</summary>
    private async Task<bool> GenerationMatchesAsync(HttpListenerResponse response, string bucket, string? name, string? expected)
    {
        if (expected is null || name is null)
        {
            return true;
        }

        var current = await GenerationAsync(bucket, name);
        if ((current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0") == expected)
        {
            return true;
        }

        await ErrorAsync(response, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
        return false;
    }

    private async Task<long?> GenerationAsync(string bucket, string name)
    {
        using var answer = await _http.GetAsync(new Uri(_upstream, $"storage/v1/b/{Uri.EscapeDataString(bucket)}/o/{Uri.EscapeDataString(name)}"));
        if (answer.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        answer.EnsureSuccessStatusCode();
        var resource = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        return long.Parse(resource["generation"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Forwards the request as it came (without its Range header when <paramref name="dropRange"/>);
    /// <paramref name="transform"/>, when given, rewrites the answer's body. Returns the answer's status.</summary>
    private async Task<int> ForwardAsync(HttpListenerRequest request, HttpListenerResponse response, string raw, Func<HttpResponseMessage, byte[], byte[]>? transform = null, bool dropRange = false)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_upstream, raw.TrimStart('/')));
        if (request.HasEntityBody)
        {
            message.Content = new StreamContent(request.InputStream);
        }

        foreach (var name in request.Headers.AllKeys.OfType<string>())
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || (dropRange && name.Equals("Range", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var values = request.Headers.GetValues(name) ?? [];
            if (!message.Headers.TryAddWithoutValidation(name, values) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        using var answer = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            response.AddHeader(name, string.Join(",", values));
        }

        if (transform is not null)
        {
            var body = transform(answer, await answer.Content.ReadAsByteArrayAsync());
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
            return (int)answer.StatusCode;
        }

        if (answer.Content.Headers.ContentLength is { } length)
        {
            response.ContentLength64 = length;
        }

        await answer.Content.CopyToAsync(response.OutputStream);
        return (int)answer.StatusCode;
    }

    private static async Task JsonAsync(HttpListenerResponse response, int status, JsonNode body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        response.StatusCode = status;
        response.ContentType = "application/json; charset=UTF-8";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    private static Task ErrorAsync(HttpListenerResponse response, int status, string reason, string message) =>
        JsonAsync(response, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = status,
                ["message"] = message,
                ["errors"] = new JsonArray(new JsonObject { ["reason"] = reason, ["message"] = message, ["domain"] = "global" }),
            },
        });

}
