using System.Net;
using System.Net.Sockets;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.IntegrationTests.Sqs;
using HeavySync.SqsTestServer;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The real copier process serving its probes: <c>/healthz</c> and <c>/readyz</c> on
/// <c>--health-port</c>, readiness following the queue it depends on (an SQS test server of this
/// test's own, which then stops answering depth requests).
/// </summary>
public sealed class CopierHealthTests : IAsyncDisposable
{
    private readonly TempTree work = new("health");
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private SqsTestServerHost? sqs;

    [Fact]
    public async Task Copier_HealthPort_ServesProbesAndReadinessFollowsTheQueue()
    {
        sqs = await SqsServer.StartPrivateAsync();
        var queue = await SqsServer.CreateQueueAsync(sqs.Url, SqsServer.UniqueName("health"));
        var port = FreePort();
        var env = new Dictionary<string, string?>
        {
            ["HEAVYSYNC_STATE"] = Path.Combine(work.Root, "state.db"),
            ["HEAVYSYNC_QUEUE"] = queue.ToString(),
            ["HEAVYSYNC_HEALTH_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AWS_ACCESS_KEY_ID"] = "AKIDHEAVYSYNCTEST",
            ["AWS_SECRET_ACCESS_KEY"] = "heavysync-test-secret",
            ["AWS_REGION"] = "us-east-1",
        };
        var finished = false;
        var copier = CliProcess.RunAsync(["copier", "-j", "2"], env, killWhen: _ => Volatile.Read(ref finished), TimeSpan.FromMinutes(2));
        try
        {
            var live = await PollAsync(port, "/healthz", r => r.Status == HttpStatusCode.OK, copier);
            var ready = await PollAsync(port, "/readyz", r => r.Status == HttpStatusCode.OK, copier);

            Assert.Equal("ok", live.Body);
            Assert.Equal("state: ok\nqueue: ok", ready.Body);

            // The queue stops answering depth requests (HTTP 500 on every GetQueueAttributes): the
            // copier is still alive but no longer ready.
            sqs.Faults.FailNextRequests("GetQueueAttributes", 100_000, InjectedFault.InternalError);
            var notReady = await PollAsync(port, "/readyz", r => r.Status == HttpStatusCode.ServiceUnavailable, copier);
            var stillLive = await GetAsync(port, "/healthz");

            Assert.Contains("state: ok", notReady.Body);
            Assert.Matches(@"queue: (no answer within 2 s|unreachable \(.+\))", notReady.Body);
            Assert.Equal(HttpStatusCode.OK, stillLive.Status);
        }
        finally
        {
            Volatile.Write(ref finished, true);
            var result = await copier;
            Assert.Contains($"health endpoints on http://127.0.0.1:{port}/healthz", result.Stdout);
        }
    }

    [Fact]
    public async Task Copier_BadHealthAddress_OneLineUsageError()
    {
        var result = await CliProcess.RunAsync(
            ["copier", "--state", Path.Combine(work.Root, "s.db"), "--queue", "https://sqs.us-east-1.amazonaws.com/1/q", "--health-port", "8080", "--health-address", "everywhere"],
            new Dictionary<string, string?>(),
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("heavysync: --health-address: 'everywhere' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)", result.Stderr.Trim());
    }

    private async Task<(HttpStatusCode Status, string Body)> PollAsync(int port, string path, Func<(HttpStatusCode Status, string Body), bool> until, Task<CliResult> process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        (HttpStatusCode, string)? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.IsCompleted)
            {
                Assert.Fail($"the copier exited while waiting for {path}: {await process}");
            }

            try
            {
                var answer = await GetAsync(port, path);
                last = answer;
                if (until(answer))
                {
                    return answer;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{path} never reached the expected state; last answer: {last}");
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(int port, string path)
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
        http.Dispose();
        if (sqs is not null)
        {
            await sqs.DisposeAsync();
        }

        work.Dispose();
    }
}
