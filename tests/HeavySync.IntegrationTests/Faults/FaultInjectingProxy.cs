using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeavySync.IntegrationTests.Faults;

/// <summary>
/// An HTTP/1.1 reverse proxy on 127.0.0.1 that forwards requests byte for byte (so SigV4 signatures
/// stay valid) to one upstream server and, per request, injects a fault chosen by a seeded random
/// draw: S3 SlowDown and InternalError answers, connection resets before or inside the response,
/// bodies cut short of their Content-Length, slow answers. Faults can also be scripted for the next
/// requests (<see cref="InjectNext"/>), and answers can lie about the ETag they stored
/// (<see cref="CorruptETagWhen"/>). Every request is recorded (<see cref="Seen"/>). Start it with
/// <see cref="Start"/>, point clients at <see cref="Endpoint"/>, read the counts, dispose it to stop.
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private static readonly FaultKind[] Kinds = Enum.GetValues<FaultKind>();
    private readonly DnsEndPoint _upstream;
    private readonly FaultOptions _options;
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly long[] _injected = new long[Kinds.Length];
    private readonly Queue<FaultKind> _scripted = new();
    private readonly ConcurrentQueue<SeenRequest> _seen = new();
    private long _requests;
    private long _corruptedETags;
    private int _nextConnection;
    private Task _acceptLoop = Task.CompletedTask;

    private FaultInjectingProxy(Uri upstream, FaultOptions options)
    {
        _upstream = new DnsEndPoint(upstream.Host, upstream.Port);
        _options = options;
        _random = new Random(options.Seed);
        _listener = new TcpListener(IPAddress.Loopback, 0);
    }

    /// <summary>The proxy's URL (http://127.0.0.1:PORT).</summary>
    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>When false, every request is forwarded untouched (default true).</summary>
    public bool FaultsEnabled { get; set; } = true;

    /// <summary>Requests received.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests received, by request path (the query left off).</summary>
    public ConcurrentDictionary<string, long> RequestsByPath { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<SeenRequest> Seen => _seen.ToArray();

    /// <summary>When set, a forwarded answer to a request (method, target) for which this returns true
    /// has its ETag header altered (one hex digit changed): a server that stored something else.</summary>
    public Func<string, string, bool>? CorruptETagWhen { get; set; }

    /// <summary>Answers whose ETag was altered so far.</summary>
    public long CorruptedETags => Interlocked.Read(ref _corruptedETags);

    /// <summary>The next <paramref name="times"/> requests get <paramref name="kind"/>, before (and
    /// whatever) the random draw, even with <see cref="FaultsEnabled"/> off.</summary>
    public void InjectNext(FaultKind kind, int times = 1)
    {
        lock (_randomLock)
        {
            for (var i = 0; i < times; i++)
            {
                _scripted.Enqueue(kind);
            }
        }
    }

    /// <summary>Faults injected so far, all kinds.</summary>
    public long TotalInjected => Kinds.Sum(Injected);

    /// <summary>Faults of one kind injected so far.</summary>
    public long Injected(FaultKind kind) => Interlocked.Read(ref _injected[(int)kind]);

    /// <summary>Starts a proxy in front of <paramref name="upstream"/> (an http:// URL).</summary>
    public static FaultInjectingProxy Start(string upstream, FaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var proxy = new FaultInjectingProxy(new Uri(upstream), options);
        proxy._listener.Start();
        proxy._acceptLoop = proxy.AcceptLoopAsync();
        return proxy;
    }

    /// <summary>A one-line summary of the injected faults, for test output.</summary>
    public string Describe() =>
        $"{Requests} requests, {TotalInjected} faults: " + string.Join(", ", Kinds.Select(k => $"{k} {Injected(k)}"));

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAll(_connections.Values.Append(_acceptLoop)).ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            var id = Interlocked.Increment(ref _nextConnection);
            _connections[id] = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client, _stop.Token);
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // A client or the server went away: that connection is over, the proxy is not.
                }
                finally
                {
                    client.Dispose();
                    _connections.TryRemove(id, out _);
                }
            });
        }
    }

    private FaultKind? Choose()
    {
        double draw;
        lock (_randomLock)
        {
            if (_scripted.TryDequeue(out var scripted))
            {
                return scripted;
            }

            if (!FaultsEnabled)
            {
                return null;
            }

            draw = _random.NextDouble();
        }

        foreach (var kind in Kinds)
        {
            draw -= _options.Rates.GetValueOrDefault(kind);
            if (draw < 0)
            {
                return kind;
            }
        }

        return null;
    }

    private void Count(FaultKind kind) => Interlocked.Increment(ref _injected[(int)kind]);

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        client.NoDelay = true;
        var clientStream = client.GetStream();
        var fromClient = new HttpMessageReader(clientStream);
        using var upstream = new TcpClient { NoDelay = true };
        await upstream.ConnectAsync(_upstream.Host, _upstream.Port, cancellationToken);
        var upstreamStream = upstream.GetStream();
        var fromUpstream = new HttpMessageReader(upstreamStream);

        while (await fromClient.ReadHeadAsync(cancellationToken) is { } request)
        {
            Interlocked.Increment(ref _requests);
            RequestsByPath.AddOrUpdate(request.Target.Split('?')[0], 1, static (_, n) => n + 1);
            var fault = Choose();
            var target = request.StartLine.Split(' ') is { Length: > 1 } words ? words[1] : string.Empty;
            _seen.Enqueue(new SeenRequest(request.Method, target, request.Header("Host"), request.Header("Authorization"), fault));
            var expectContinue = string.Equals(request.Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase);

            if (fault is FaultKind.SlowDown or FaultKind.InternalError or FaultKind.TooManyRequests or FaultKind.RequestTimeout)
            {
                Count(fault.Value);
                if (!expectContinue)
                {
                    await fromClient.ReadBodyAsync(request, bodyless: false, cancellationToken);
                }

                await WriteErrorAsync(clientStream, fault.Value, close: expectContinue, _options.RetryAfter, cancellationToken);
                if (expectContinue)
                {
                    return; // The client may or may not send the body now: start afresh.
                }

                continue;
            }

            await upstreamStream.WriteAsync(request.Raw, cancellationToken);
            HttpHead response;
            var closeAfter = false;
            if (expectContinue)
            {
                var interim = await fromUpstream.ReadHeadAsync(cancellationToken) ?? throw new IOException("upstream closed");
                if (interim.Status == 100)
                {
                    await clientStream.WriteAsync(interim.Raw, cancellationToken);
                    await upstreamStream.WriteAsync(await fromClient.ReadBodyAsync(request, bodyless: false, cancellationToken), cancellationToken);
                    response = await fromUpstream.ReadHeadAsync(cancellationToken) ?? throw new IOException("upstream closed");
                }
                else
                {
                    response = interim;
                    closeAfter = true;
                }
            }
            else
            {
                await upstreamStream.WriteAsync(await fromClient.ReadBodyAsync(request, bodyless: false, cancellationToken), cancellationToken);
                response = await fromUpstream.ReadHeadAsync(cancellationToken) ?? throw new IOException("upstream closed");
            }

            if (CorruptETagWhen is { } corrupt && response.Header("ETag") is { } etag && corrupt(request.Method, target))
            {
                response = WithHeader(response, "ETag", AlterETag(etag));
                Interlocked.Increment(ref _corruptedETags);
            }

            var bodyless = request.Method == "HEAD" || response.Status is 204 or 304 || response.Status < 200;
            var body = await fromUpstream.ReadBodyAsync(response, bodyless, cancellationToken);
            closeAfter |= string.Equals(response.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase);

            switch (fault)
            {
                case FaultKind.ResetBeforeResponse:
                case FaultKind.ResetMidResponse or FaultKind.TruncatedBody or FaultKind.StalledBody when body.Length < 2:
                    Count(FaultKind.ResetBeforeResponse);
                    Reset(client);
                    return;
                case FaultKind.ResetMidResponse:
                    Count(fault.Value);
                    await clientStream.WriteAsync(response.Raw, cancellationToken);
                    await clientStream.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken);
                    await clientStream.FlushAsync(cancellationToken);
                    Reset(client);
                    return;
                case FaultKind.TruncatedBody:
                    Count(fault.Value);
                    await clientStream.WriteAsync(response.Raw, cancellationToken);
                    await clientStream.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken);
                    await clientStream.FlushAsync(cancellationToken);
                    client.Client.Shutdown(SocketShutdown.Send);
                    return;
                case FaultKind.StalledBody:
                    Count(fault.Value);
                    await clientStream.WriteAsync(response.Raw, cancellationToken);
                    await clientStream.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken);
                    await clientStream.FlushAsync(cancellationToken);

                    // Wait for the client to give up: a read ends when it closes or resets.
                    _ = await clientStream.ReadAsync(new byte[1], cancellationToken);
                    return;
                case FaultKind.SlowResponse:
                    Count(fault.Value);
                    await Task.Delay(_options.SlowResponseDelay, cancellationToken);
                    break;
            }

            await clientStream.WriteAsync(response.Raw, cancellationToken);
            await clientStream.WriteAsync(body, cancellationToken);
            if (closeAfter)
            {
                return;
            }
        }
    }

    private static async Task WriteErrorAsync(Stream client, FaultKind kind, bool close, string? retryAfter, CancellationToken cancellationToken)
    {
        var (status, reason, code) = kind switch
        {
            FaultKind.SlowDown => (503, "Slow Down", "SlowDown"),
            FaultKind.TooManyRequests => (429, "Too Many Requests", "TooManyRequests"),
            FaultKind.RequestTimeout => (408, "Request Timeout", "RequestTimeout"),
            _ => (500, "Internal Server Error", "InternalError"),
        };
        var body = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by FaultInjectingProxy</Message><RequestId>fault</RequestId></Error>";
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n"
            + (kind == FaultKind.SlowDown && retryAfter is not null ? $"Retry-After: {retryAfter}\r\n" : kind == FaultKind.TooManyRequests ? "Retry-After: 1\r\n" : string.Empty)
            + (close ? "Connection: close\r\n" : string.Empty) + "\r\n";
        await client.WriteAsync(Encoding.UTF8.GetBytes(head + body), cancellationToken);
    }

    /// <summary>The head with one header's value replaced (the raw bytes rebuilt).</summary>
    private static HttpHead WithHeader(HttpHead head, string name, string value)
    {
        var headers = head.Headers
            .Select(h => h.Split(':', 2)[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase) ? $"{name}: {value}" : h)
            .ToList();
        var raw = Encoding.ASCII.GetBytes(head.StartLine + "\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n");
        return new HttpHead(head.StartLine, headers, raw);
    }

    /// <summary>The same ETag with its first hex digit changed (quotes and any "-N" suffix kept).</summary>
    private static string AlterETag(string etag)
    {
        var at = etag.IndexOfAny("0123456789abcdefABCDEF".ToCharArray());
        return at < 0 ? etag + "0" : etag[..at] + (etag[at] == '0' ? '1' : '0') + etag[(at + 1)..];
    }

    /// <summary>Closes with RST (linger 0) instead of FIN: the client sees "connection reset".</summary>
    private static void Reset(TcpClient client)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }
}
