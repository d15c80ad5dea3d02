using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The copier's health server as the chart and compose start it (<c>--health-address 0.0.0.0</c>,
/// which binds the HttpListener prefix <c>http://+:PORT/</c>), proven on a machine whose only
/// interface is loopback: the copier runs in a network namespace of this test's own (made with
/// <c>unshare</c>), so binding every address exposes nothing beyond it, and the probes are sent to
/// 127.0.0.1 from inside that namespace (<c>nsenter</c>), as a kubelet sends them to the pod.
/// </summary>
public sealed class CopierHealthAnyAddressTests : IDisposable
{
    private const int Port = 18080;
    private readonly TempTree work = new("health-any");

    [Fact]
    public async Task Copier_AnyAddressInPrivateNetwork_PlusPrefixAnswersProbesOnLoopbackAndStopsCleanly()
    {
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // A new user and network namespace: only a loopback interface, brought up, then the copier.
        foreach (var arg in new[] { "--user", "--map-root-user", "--net", "bash", "-c", "ip link set lo up && exec \"$@\"", "copier-in-netns" }
                     .Concat(CliProcess.Command)
                     .Concat(["copier", "-j", "1", "--health-port", Port.ToString(CultureInfo.InvariantCulture), "--health-address", "0.0.0.0"]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HEAVYSYNC_STATE"] = Path.Combine(work.Root, "state.db");

        // Nothing listens there inside the namespace: the copier is alive but its queue is unreachable.
        start.Environment["HEAVYSYNC_QUEUE"] = "http://127.0.0.1:9/000000000000/unreachable";
        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIDHEAVYSYNCTEST";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "heavysync-test-secret";
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var copier = Process.Start(start)!;
        var stdout = copier.StandardOutput.ReadToEndAsync();
        var stderr = copier.StandardError.ReadToEndAsync();
        try
        {
            var live = await ProbeAsync(copier, "/healthz", "200");
            var ready = await ProbeAsync(copier, "/readyz", "503");

            Assert.Equal("ok", live.Body);
            Assert.Contains("state: ok", ready.Body);
            Assert.Matches(@"queue: (no answer within 2 s|unreachable \(.+\))", ready.Body);

            // The host's own loopback has no such server: the any-address bind stayed in the namespace.
            using var host = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => host.ConnectAsync("127.0.0.1", Port));
        }
        finally
        {
            // SIGTERM, as Kubernetes stops a pod: the copier drains and exits 0.
            using (var term = Process.Start("kill", ["-TERM", copier.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var exit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await copier.WaitForExitAsync(exit.Token);
        }

        Assert.True(copier.ExitCode == 0, $"exit {copier.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains($"health endpoints on http://+:{Port}/healthz", await stdout);
        Assert.DoesNotContain("   at ", await stderr);
    }

    public void Dispose() => work.Dispose();

    /// <summary>GETs <paramref name="path"/> on 127.0.0.1 inside the copier's namespace until it answers <paramref name="status"/>.</summary>
    private static async Task<(string Status, string Body)> ProbeAsync(Process copier, string path, string status)
    {
        var clock = Stopwatch.StartNew();
        var last = (Status: "none", Body: string.Empty);
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(copier.HasExited, $"the copier exited with {(copier.HasExited ? copier.ExitCode : 0)}");
            var curl = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "--target", copier.Id.ToString(CultureInfo.InvariantCulture), "--user", "--net", "--preserve-credentials",
                         "curl", "--silent", "--max-time", "5", "--write-out", "\n%{http_code}", $"http://127.0.0.1:{Port}{path}" })
            {
                curl.ArgumentList.Add(arg);
            }

            using var probe = Process.Start(curl)!;
            var output = await probe.StandardOutput.ReadToEndAsync();
            await probe.WaitForExitAsync();
            var split = output.LastIndexOf('\n');
            if (split >= 0)
            {
                last = (output[(split + 1)..].Trim(), output[..split].Trim());
                if (last.Status == status)
                {
                    return last;
                }
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"{path} never answered {status} (last: {last.Status} {last.Body})");
    }
}
