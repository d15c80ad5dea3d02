using System.Net;
using System.Text;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// The copier's probe endpoints, for Kubernetes: <c>GET /healthz</c> answers 200 while the process
/// runs and its workers have not faulted (liveness; it stays 200 while draining, so the kubelet
/// does not kill a copier finishing its work), <c>GET /readyz</c> answers 200 when the role is not
/// stopping and every <see cref="HealthCheck"/> answered within <see cref="CheckTimeout"/>, else 503
/// with one line per check. Check results are cached for <see cref="CacheFor"/>, so probes cost the
/// state and the queue at most one cheap request each per few seconds whatever the probe rate.
/// </summary>
/// <remarks>
/// <see cref="HttpListener"/> rather than Kestrel: two fixed text endpoints do not justify the
/// ASP.NET Core shared framework in the image (about 20 MB more) for every role.
/// </remarks>
internal sealed partial class HealthServer : IAsyncDisposable
{
    /// <summary>How long a readiness result is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);

    /// <summary>How long one check may take before it counts as unreachable.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private volatile Task? watched;

    private HealthServer(HttpListener listener, IReadOnlyList<HealthCheck> checks, CancellationToken stopping, TimeProvider time)
    {
        this.listener = listener;
        readiness = new Readiness(checks, stopping, time);
        loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>
    /// Starts serving on <paramref name="options"/>; <paramref name="stopping"/> fires when the role
    /// begins a graceful stop (readiness turns 503 at once). Prints the endpoint on stdout. Throws
    /// <see cref="Commands.UsageException"/> (one line, exit 2) when the address cannot be bound.
    /// </summary>
    public static HealthServer Start(HealthOptions options, IReadOnlyList<HealthCheck> checks, CancellationToken stopping, TimeProvider? time = null)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add(options.Prefix);
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            listener.Close();
            throw new Commands.UsageException($"--health-port {options.Port}: cannot listen on {options.Address}: {ex.Message}");
        }

        Console.WriteLine($"health endpoints on {options.Prefix}healthz and {options.Prefix}readyz");
        return new HealthServer(listener, checks, stopping, time ?? TimeProvider.System);
    }

    /// <summary>The role's worker task: once it faults, <c>/healthz</c> answers 503.</summary>
    public void Watch(Task workers) => watched = workers;

    private bool Live => watched is not { IsFaulted: true };

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Close();
        await loop;
        stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().WaitAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or HttpListenerException)
            {
                return;
            }

            // One request at a time is plenty for probes; a slow check is bounded by CheckTimeout.
            try
            {
                await RespondAsync(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The prober went away; nothing to answer.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopping while a probe was being answered (the kubelet probes during termination too).
                return;
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var response = context.Response;
        var (status, body) = context.Request.Url?.AbsolutePath switch
        {
            "/healthz" => Live ? (200, "ok") : (503, "workers faulted"),
            "/readyz" => await readiness.ReportAsync(stop.Token),
            _ => (404, "not found: use /healthz or /readyz"),
        };
        if (context.Request.HttpMethod is not ("GET" or "HEAD"))
        {
            (status, body) = (405, "method not allowed");
        }

        var bytes = Encoding.UTF8.GetBytes(body + "\n");
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers["Cache-Control"] = "no-store";
        response.ContentLength64 = bytes.Length;
        if (context.Request.HttpMethod != "HEAD")
        {
            await response.OutputStream.WriteAsync(bytes, stop.Token);
        }

        response.Close();
    }
}
