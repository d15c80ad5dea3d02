using HeavySync.Local;
using HeavySync.Tests.Logging;

namespace HeavySync.Tests.Local;

public sealed partial class LocalFileStoreTests
{
    [Fact]
    public async Task ListAsync_SymlinksByDefault_SkippedWithWarning()
    {
        var logger = new CollectingLogger();
        var (store, root) = NewLocalStore(logger: logger);
        await WriteAsync(store, "real/file.txt", Bytes(3, 20));
        File.CreateSymbolicLink(Path.Join(root, "file-link"), Path.Join(root, "real", "file.txt"));
        Directory.CreateSymbolicLink(Path.Join(root, "dir-link"), Path.Join(root, "real"));

        var keys = (await ListAsync(store)).Select(e => e.Key);

        Assert.Equal(["real/file.txt"], keys);
        Assert.Contains(logger.Warnings, w => w.Contains(Path.Join(root, "file-link"), StringComparison.Ordinal));
        Assert.Contains(logger.Warnings, w => w.Contains(Path.Join(root, "dir-link"), StringComparison.Ordinal));
        Assert.Null(await store.StatAsync("file-link", CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_FollowSymlinks_ListsTargetsAndStopsAtLoops()
    {
        var logger = new CollectingLogger();
        var (store, root) = NewLocalStore(new LocalStoreOptions { FollowSymlinks = true }, logger);
        var outside = _temp.NewSubdirectory();
        await File.WriteAllBytesAsync(Path.Join(outside, "external.txt"), Bytes(5, 21));
        await WriteAsync(store, "real/file.txt", Bytes(3, 22));
        File.CreateSymbolicLink(Path.Join(root, "file-link"), Path.Join(root, "real", "file.txt"));
        Directory.CreateSymbolicLink(Path.Join(root, "dir-link"), Path.Join(root, "real"));
        Directory.CreateSymbolicLink(Path.Join(root, "outside-link"), outside);
        Directory.CreateSymbolicLink(Path.Join(root, "real", "loop"), "..");
        File.CreateSymbolicLink(Path.Join(root, "dangling"), Path.Join(root, "nothing-here"));

        var listed = (await ListAsync(store)).ToDictionary(e => e.Key, e => e.Size);

        Assert.Equal(
            new Dictionary<string, long>
            {
                ["real/file.txt"] = 3,
                ["file-link"] = 3,
                ["dir-link/file.txt"] = 3,
                ["outside-link/external.txt"] = 5,
            },
            listed);
        Assert.Contains(logger.Warnings, w => w.Contains("a loop", StringComparison.Ordinal));
        Assert.Contains(logger.Warnings, w => w.Contains(Path.Join(root, "dangling"), StringComparison.Ordinal));
        Assert.Equal(3, (await store.StatAsync("file-link", CancellationToken.None))!.Size);
    }
}
