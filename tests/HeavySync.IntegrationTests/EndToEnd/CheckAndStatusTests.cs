using System.Text;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary><c>heavysync check</c> and <c>heavysync status</c> against real trees and state.</summary>
public sealed class CheckAndStatusTests : IDisposable
{
    private readonly TempTree work = new("check");

    [Fact]
    public async Task Check_AfterSync_CleanSampleStatesConfidence_ThenFindsCorruption()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        for (var i = 0; i < 200; i++)
        {
            src.Write($"k/{i:D3}.txt", Encoding.UTF8.GetBytes($"object {i}"));
        }

        var state = Path.Combine(work.Root, "s.db");
        var sync = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state]);
        Assert.True(sync.ExitCode == 0, sync.ToString());

        var clean = await CliProcess.RunAsync(["check", src.Root, dst.Root, "--samples", "200", "--state", state, "--seed", "7"]);

        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("sampled from the state's manifest", clean.Stdout);
        Assert.Contains("95% confidence", clean.Stdout);

        // Same size, same mtime, different bytes: only a checksum can tell.
        var victim = dst.PathOf("k/123.txt");
        var mtime = File.GetLastWriteTimeUtc(victim);
        File.WriteAllBytes(victim, Encoding.UTF8.GetBytes("object X23"));
        File.SetLastWriteTimeUtc(victim, mtime);
        var dirty = await CliProcess.RunAsync(["check", src.Root, dst.Root, "--samples", "200", "--state", state]);

        Assert.True(dirty.ExitCode == 1, dirty.ToString());
        Assert.Contains("MISMATCH k/123.txt", dirty.Stdout);
    }

    [Fact]
    public async Task Check_WithoutState_SamplesAStreamedListing()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        for (var i = 0; i < 50; i++)
        {
            src.Write($"{i}.txt", Encoding.UTF8.GetBytes($"v{i}"));
            dst.Write($"{i}.txt", Encoding.UTF8.GetBytes($"v{i}"));
        }

        var result = await CliProcess.RunAsync(["check", src.Root, dst.Root, "--samples", "10", "--state", Path.Combine(work.Root, "none.db")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("checked 10 of 50", result.Stdout);
        Assert.Contains("sampled from a fresh listing", result.Stdout);
    }

    [Fact]
    public async Task Status_ShowsJobRunsAndFailures()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        src.Write("a.txt", "a"u8.ToArray());
        var state = Path.Combine(work.Root, "s.db");
        var sync = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state]);
        Assert.True(sync.ExitCode == 0, sync.ToString());

        var status = await CliProcess.RunAsync(["status", "--state", state]);

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains(src.Root, status.Stdout);
        Assert.Contains("run 1", status.Stdout);
        Assert.Contains("done", status.Stdout);
    }

    public void Dispose() => work.Dispose();
}
