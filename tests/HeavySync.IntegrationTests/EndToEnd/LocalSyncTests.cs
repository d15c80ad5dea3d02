using System.Text;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>The real binary syncing local trees: content, mtimes, changes, deletes, awkward names.</summary>
public sealed class LocalSyncTests : IDisposable
{
    private static readonly string[] AwkwardNames =
    [
        "with space.txt", "ünïcødé-ファイル.txt", "percent%41.txt", "plus+sign.txt", "hash#tag.txt",
        "semi;colon.txt", "quote'single.txt", "emoji-😀.txt", "a b/c d/e f.txt", "%2F-not-a-slash.txt",
    ];

    private readonly TempTree work = new("local-sync");

    [Fact]
    public async Task Sync_TenThousandFilesAndLargeFiles_MatchesByteForByteAndResyncsOnlyChanges()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        var random = new Random(42);
        var baseTime = new DateTime(2024, 5, 17, 8, 30, 0, DateTimeKind.Utc);
        for (var i = 0; i < 10_000; i++)
        {
            var key = $"d{i % 7}/sub{i % 13}/deeper{i % 3}/file-{i:D5}.bin";
            var content = new byte[random.Next(0, 2048)];
            random.NextBytes(content);
            src.Write(key, content, baseTime.AddSeconds(i).AddTicks(i % 9_999_999));
        }

        foreach (var name in AwkwardNames)
        {
            src.Write("awkward/" + name, Encoding.UTF8.GetBytes(name), baseTime);
        }

        src.WriteRandom("big/one.bin", 50L * 1024 * 1024 + 1, random, baseTime);
        src.WriteRandom("big/two.bin", 52L * 1024 * 1024, random, baseTime);
        src.WriteRandom("big/three with space.bin", 51L * 1024 * 1024 - 7, random, baseTime);
        var state = Path.Combine(work.Root, "state.db");

        var first = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state]);

        Assert.True(first.ExitCode == 0, first.ToString());
        src.AssertSameAs(dst);
        Assert.Contains("copied 10013 objects", first.Stdout);

        // Change 10, add 10, delete 10.
        for (var i = 0; i < 10; i++)
        {
            src.Write($"d{i % 7}/sub{i % 13}/deeper{i % 3}/file-{i:D5}.bin", Encoding.UTF8.GetBytes($"changed {i}"), baseTime.AddDays(1));
            src.Write($"new/dir {i}/added-{i}.txt", Encoding.UTF8.GetBytes($"added {i}"), baseTime.AddDays(2));
            File.Delete(src.PathOf($"d{(i + 100) % 7}/sub{(i + 100) % 13}/deeper{(i + 100) % 3}/file-{i + 100:D5}.bin"));
        }

        var second = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state]);

        Assert.True(second.ExitCode == 0, second.ToString());
        src.AssertSameAs(dst);
        Assert.Contains("copied 20 objects", second.Stdout);
        Assert.Contains("deleted 10 objects", second.Stdout);

        var third = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", state]);

        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("copied 0 objects", third.Stdout);
        Assert.Contains("unchanged 10013", third.Stdout);
    }

    [Fact]
    public async Task Sync_DefaultStateFile_SecondRunResumesSameJob()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        src.Write("a.txt", "alpha"u8.ToArray());
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = work.Root };

        var first = await CliProcess.RunAsync(["sync", src.Root, dst.Root], env);
        var second = await CliProcess.RunAsync(["sync", src.Root, dst.Root], env);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(work.Root, "heavysync"), "*.db"));
        Assert.Contains("run 2:", second.Stdout);
        Assert.Contains("unchanged 1", second.Stdout);
    }

    [Fact]
    public async Task Sync_DryRun_ChangesNothingAndPrintsThePlan()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        for (var i = 0; i < 5; i++)
        {
            src.Write($"new-{i}.txt", Encoding.UTF8.GetBytes($"n{i}"));
        }

        dst.Write("old.txt", "old"u8.ToArray());
        var before = dst.Inodes();
        var beforeMtime = File.GetLastWriteTimeUtc(dst.PathOf("old.txt"));

        var result = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--dry-run", "--state", Path.Combine(work.Root, "s.db"), "--max-delete", "100%"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("dry run: would copy 5 objects", result.Stdout);
        Assert.Contains("copy   new-0.txt", result.Stdout);
        Assert.Contains("delete old.txt", result.Stdout);
        Assert.Equal(before, dst.Inodes());
        Assert.Equal(beforeMtime, File.GetLastWriteTimeUtc(dst.PathOf("old.txt")));
    }

    [Fact]
    public async Task Sync_EmptySource_RefusesToEmptyDestinationUnlessForced()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        for (var i = 0; i < 5; i++)
        {
            dst.Write($"keep-{i}.txt", "x"u8.ToArray());
        }

        var refused = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "s.db"), "--max-delete", "100%"]);

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("--allow-empty-source", refused.All);
        Assert.Equal(5, dst.Keys().Count);

        var forced = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "s.db"), "--max-delete", "100%", "--allow-empty-source"]);

        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Empty(dst.Keys());
    }

    [Fact]
    public async Task Sync_DeletesOverTheCap_RefusedWithExit3AndNothingDeleted()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        for (var i = 0; i < 10; i++)
        {
            src.Write($"f{i}.txt", "same"u8.ToArray());
            dst.Write($"f{i}.txt", "same"u8.ToArray());
        }

        for (var i = 0; i < 300; i++)
        {
            dst.Write($"extra/e{i}.txt", "e"u8.ToArray());
        }

        var result = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "s.db"), "--max-delete", "50"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("--max-delete", result.All);
        Assert.Equal(310, dst.Keys().Count);

        var noDelete = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "s.db"), "--max-delete", "50", "--no-delete"]);
        Assert.True(noDelete.ExitCode == 0, noDelete.ToString());
        Assert.Equal(310, dst.Keys().Count);
    }

    [Fact]
    public async Task Sync_ExcludedKeys_NeitherCopiedNorDeleted()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        src.Write("keep.txt", "k"u8.ToArray());
        src.Write("logs/skip.log", "s"u8.ToArray());
        dst.Write("cache/old.tmp", "t"u8.ToArray());

        var result = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "s.db"), "--exclude", "*.log", "--exclude", "*.tmp", "--max-delete", "100%"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["cache/old.tmp", "keep.txt"], dst.Keys());
    }

    [Fact]
    public async Task Sync_ListSettings_FlagsReplaceTheConfigFilesList()
    {
        using var src = new TempTree("src");
        using var dst = new TempTree("dst");
        foreach (var name in new[] { "x.a", "x.b", "x.c" })
        {
            src.Write(name, "x"u8.ToArray());
        }

        var config = Path.Combine(work.Root, "config.json");
        await File.WriteAllTextAsync(config, """{ "exclude": ["*.a", "*.b"], "concurrency": 2 }""");

        var fromFile = await CliProcess.RunAsync(["sync", src.Root, dst.Root, "--state", Path.Combine(work.Root, "f.db"), "--config", config]);
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Equal(["x.c"], dst.Keys());

        using var dst2 = new TempTree("dst2");
        var overridden = await CliProcess.RunAsync(["sync", src.Root, dst2.Root, "--state", Path.Combine(work.Root, "o.db"), "--config", config, "--exclude", "*.c"]);
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
        Assert.Equal(["x.a", "x.b"], dst2.Keys());
    }

    public void Dispose() => work.Dispose();
}
