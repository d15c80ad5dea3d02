using System.Net;
using System.Net.Sockets;
using HeavySync.Cli.Hosting;
using HeavySync.State;

namespace HeavySync.Tests.Hosting;

/// <summary>
/// The copier's health server over real HTTP on loopback; the checks are delegates here so a
/// failing state or queue can be injected (the real binary is tested in the integration tests).
/// </summary>
public sealed class HealthServerTests : IAsyncDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource stopping = new();
    private HealthServer? server;
    private int port;

    [Fact]
    public async Task Probes_ChecksPass_HealthzAndReadyz200()
    {
        Start(new HealthCheck("state", _ => Task.CompletedTask), new HealthCheck("queue", _ => Task.CompletedTask));

        var live = await GetAsync("/healthz");
        var ready = await GetAsync("/readyz");

        Assert.Equal((HttpStatusCode.OK, "ok"), live);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("state: ok\nqueue: ok", ready.Body);
    }

    [Fact]
    public async Task Readyz_StateUnreachable_503NamingTheState()
    {
        Start(
            new HealthCheck("state", _ => Task.FromException(new StateStoreException("cannot reach the state database at db:5432"))),
            new HealthCheck("queue", _ => Task.CompletedTask));

        var ready = await GetAsync("/readyz");
        var live = await GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
        Assert.Contains("state: unreachable (cannot reach the state database at db:5432)", ready.Body);
        Assert.Contains("queue: ok", ready.Body);
        Assert.Equal(HttpStatusCode.OK, live.Status);
    }

    [Fact]
    public async Task DisposeAsync_ReadinessProbeInFlight_StopsWithoutThrowing()
    {
        var probing = new TaskCompletionSource();
        Start(new HealthCheck("queue", async ct =>
        {
            probing.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }));
        var pending = GetAsync("/readyz");
        await probing.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The role stops while the kubelet's probe is being answered (as during a pod's termination).
        await stopping.CancelAsync();
        await server!.DisposeAsync();
        server = null;

        // The probe itself gets whatever the closing listener gives it; the point is the stop above.
        await Record.ExceptionAsync(() => pending);
    }

    [Fact]
    public async Task Readyz_CheckHangs_503WithinTheCheckTimeout()
    {
        Start(new HealthCheck("queue", ct => Task.Delay(Timeout.Infinite, CancellationToken.None)));
        var started = DateTime.UtcNow;

        var ready = await GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
        Assert.Contains("queue: no answer within 2 s", ready.Body);
        Assert.InRange(DateTime.UtcNow - started, HealthServer.CheckTimeout - TimeSpan.FromMilliseconds(100), HealthServer.CheckTimeout + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Readyz_ProbedRepeatedly_ChecksRunOncePerCachePeriod()
    {
        var calls = 0;
        Start(new HealthCheck("state", _ =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("/readyz")).Status);
        }

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Readyz_Stopping_503AndHealthzStill200()
    {
        Start(new HealthCheck("state", _ => Task.CompletedTask));

        await stopping.CancelAsync();
        var ready = await GetAsync("/readyz");
        var live = await GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
        Assert.StartsWith("stopping", ready.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.Status);
    }

    [Fact]
    public async Task Healthz_WorkersFaulted_503()
    {
        Start(new HealthCheck("state", _ => Task.CompletedTask));
        server!.Watch(Task.FromException(new InvalidOperationException("worker crashed")));

        var live = await GetAsync("/healthz");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "workers faulted"), live);
    }

    [Fact]
    public async Task Get_UnknownPath_404()
    {
        Start(new HealthCheck("state", _ => Task.CompletedTask));

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/metrics")).Status);
    }

    [Fact]
    public void Start_PortTaken_OneLineUsageError()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;

        var error = Assert.ThrowsAny<Exception>(() => HealthServer.Start(new HealthOptions(IPAddress.Loopback, busy), [], stopping.Token));

        Assert.Equal("UsageException", error.GetType().Name);
        Assert.StartsWith($"--health-port {busy}: cannot listen on 127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    private void Start(params HealthCheck[] checks)
    {
        port = FreePort();
        server = HealthServer.Start(new HealthOptions(IPAddress.Loopback, port), checks, stopping.Token);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"));
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        http.Dispose();
        stopping.Dispose();
    }
}
