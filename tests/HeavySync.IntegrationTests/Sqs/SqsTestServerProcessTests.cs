using System.Diagnostics;
using System.Text.RegularExpressions;
using HeavySync.Queue;
using HeavySync.State;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>The SQS test server as its own process, the way scripts/sqs/start.sh and multi-process tests run it.</summary>
public sealed partial class SqsTestServerProcessTests
{
    private static readonly string ServerDll = Path.Combine(AppContext.BaseDirectory, "HeavySync.SqsTestServer.dll");

    [Fact]
    public async Task Standalone_PortZero_PrintsOneLoopbackUrlThenServesTheQueueApi()
    {
        using var process = Start("--port", "0");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Matches(LoopbackUrl(), line);

            var url = await SqsServer.CreateQueueAsync(line!, SqsServer.UniqueName("process"));
            await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(30));
            await queue.PublishAsync([new WorkMessage(1, 5, [new WorkTask(1, "k", 1, null, TaskAction.Copy)], null)], CancellationToken.None);
            var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), CancellationToken.None));
            await queue.AckAsync(received, CancellationToken.None);

            Assert.Equal(5, received.Message.RunId);
            Assert.Equal(0, await queue.GetApproximateDepthAsync(CancellationToken.None));
            Assert.StartsWith(line + "/000000000000/", url.AbsoluteUri, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Standalone_UnknownArgument_ExitsWith2AndOneUsageLine()
    {
        using var process = Start("--bogus");

        var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, process.ExitCode);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("usage", stderr, StringComparison.Ordinal);
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the SQS test server");
    }

    [GeneratedRegex(@"^http://127\.0\.0\.1:\d+$")]
    private static partial Regex LoopbackUrl();
}
