using System.Text;
using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.State;
using HeavySync.State.Sqlite;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>
/// SIGKILL during listing, copying and finalizing; the re-run finishes, never redoes work that was
/// recorded done and never re-lists a completed listing (DESIGN.md invariant 3). The
/// HEAVYSYNC_TEST_DELAY hook slows one phase so the kill lands inside it.
/// </summary>
public sealed class CrashResumeTests : IDisposable
{
    private readonly TempTree work = new("crash");

    [Fact]
    public async Task Kill_DuringListing_RerunFinishesWithoutRelistingTheCompletedSide()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        Fill(src, 3_000);
        var state = Path.Combine(work.Root, "s.db");

        // Source listing takes ~6 s (2 ms per entry); the empty destination lists at once.
        var killed = await CliProcess.RunAsync(
            ["sync", src.Root, dst.Root, "--state", state],
            new Dictionary<string, string?> { ["HEAVYSYNC_TEST_DELAY"] = "list=2" },
            line => line.StartsWith("listing:", StringComparison.Ordinal));

        Assert.True(killed.Killed, killed.ToString());
        var run = await OpenRunAsync(state);
        Assert.Equal(RunPhase.Listing, run.Phase);
        Assert.False(run.SourceListed);
        Assert.True(run.DestinationListed);

        // A file that appears in the destination now is unknown to the completed destination
        // listing: if the resume re-listed the destination it would be deleted.
        dst.Write("appeared-after-listing.txt", "x"u8.ToArray());
        var resumed = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state, "-v"]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("run 1:", resumed.Stdout);
        Assert.True(File.Exists(dst.PathOf("appeared-after-listing.txt")), "the completed destination listing was redone");
        File.Delete(dst.PathOf("appeared-after-listing.txt"));
        src.AssertSameAs(dst);
    }

    [Fact]
    public async Task Kill_DuringCopying_RerunSkipsRecordedWorkAndDoesNotRelist()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        Fill(src, 2_000);
        var state = Path.Combine(work.Root, "s.db");

        var killed = await CliProcess.RunAsync(
            ["sync", src.Root, dst.Root, "--state", state, "--concurrency", "4"],
            new Dictionary<string, string?> { ["HEAVYSYNC_TEST_DELAY"] = "write=10" },
            line => CopiedSoFar(line) >= 200);

        Assert.True(killed.Killed, killed.ToString());
        var run = await OpenRunAsync(state);
        Assert.Equal(RunPhase.Copying, run.Phase);
        var done = await DoneCopyKeysAsync(state, run.Id);
        Assert.NotEmpty(done);
        Assert.True(done.Count < 2_000, "the kill came too late to prove anything");
        var inodesBefore = dst.Inodes();

        // Appears after listing completed: a resume that re-listed would copy it.
        src.Write("late/arrival.txt", "late"u8.ToArray());
        var resumed = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("run 1:", resumed.Stdout);
        Assert.False(File.Exists(dst.PathOf("late/arrival.txt")), "the completed source listing was redone");
        var inodesAfter = dst.Inodes();
        foreach (var key in done)
        {
            Assert.True(inodesBefore[key] == inodesAfter[key], $"{key} was recorded done but copied again");
        }

        File.Delete(src.PathOf("late/arrival.txt"));
        src.AssertSameAs(dst);
    }

    [Fact]
    public async Task Kill_DuringFinalizing_RerunFinishesTheDeletions()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        Fill(src, 20);
        for (var i = 0; i < 1_500; i++)
        {
            dst.Write($"stale/{i % 10}/s{i}.txt", "stale"u8.ToArray());
        }

        var state = Path.Combine(work.Root, "s.db");
        var killed = await CliProcess.RunAsync(
            ["sync", src.Root, dst.Root, "--state", state, "--max-delete", "100%"],
            new Dictionary<string, string?> { ["HEAVYSYNC_TEST_DELAY"] = "delete=4" },
            line => line.StartsWith("finalizing:", StringComparison.Ordinal));

        Assert.True(killed.Killed, killed.ToString());
        var run = await OpenRunAsync(state);
        Assert.Equal(RunPhase.Finalizing, run.Phase);
        Assert.True(dst.Keys().Count > 20, "every deletion finished before the kill");

        var resumed = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state, "--max-delete", "100%"]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("run 1:", resumed.Stdout);
        src.AssertSameAs(dst);
    }

    private static void Fill(TempTree tree, int count)
    {
        for (var i = 0; i < count; i++)
        {
            tree.Write($"dir{i % 17}/f{i:D5}.txt", Encoding.UTF8.GetBytes($"content {i} " + new string('x', i % 300)), new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i));
        }
    }

    /// <summary>Reads "copying: N/M objects" progress lines.</summary>
    private static long CopiedSoFar(string line)
    {
        const string prefix = "copying: ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            return -1;
        }

        var slash = line.IndexOf('/', StringComparison.Ordinal);
        return long.Parse(line[prefix.Length..slash].Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<RunRecord> OpenRunAsync(string statePath)
    {
        await using var state = await SqliteStateStore.OpenAsync(statePath, CancellationToken.None);
        var job = Assert.Single(await state.ListJobsAsync(CancellationToken.None));
        return Assert.Single(await state.ListRunsAsync(job.Id, 10, CancellationToken.None));
    }

    private static async Task<List<string>> DoneCopyKeysAsync(string statePath, long runId)
    {
        await using var state = await SqliteStateStore.OpenAsync(statePath, CancellationToken.None);
        var keys = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await state.GetTasksAsync(runId, TaskAction.Copy, WorkTaskStatus.Done, after, 1000, CancellationToken.None);
            if (page.Count == 0)
            {
                return keys;
            }

            keys.AddRange(page.Select(t => t.Key));
            after = page[^1].Id;
        }
    }

    public void Dispose() => work.Dispose();
}
