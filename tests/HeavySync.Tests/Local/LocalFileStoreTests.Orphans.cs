using System.Diagnostics;
using HeavySync.Local;
using HeavySync.Storage;

namespace HeavySync.Tests.Local;

/// <summary>
/// Temporary files a killed process left behind: <see cref="LocalFileStore.PrepareDestinationAsync"/>
/// removes the ones its policy takes for orphans, on a real file system, whether this process listed
/// the tree first or not.
/// </summary>
public sealed partial class LocalFileStoreTests
{
    private static readonly DateTime ProcessStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PrepareDestination_SoleWriter_RemovesTempFilesOlderThanTheProcessOnly(bool listedFirst)
    {
        var (store, root) = NewLocalStore();
        await WriteAsync(store, "a/kept.txt", Bytes(3, 1));
        var dead = TempFile(root, "a/.heavysync-tmp-0123456789ab-kept.txt", ProcessStart.AddMinutes(-1));
        var deeper = TempFile(root, "a/b/c/.heavysync-tmp-ba9876543210-x.bin", ProcessStart.AddSeconds(-1));
        var live = TempFile(root, ".heavysync-tmp-aaaaaaaaaaaa-live.bin", DateTime.UtcNow);
        var lookalike = TempFile(root, "a/heavysync-tmp-not-ours.txt", ProcessStart.AddDays(-1));
        if (listedFirst)
        {
            Assert.Equal(["a/heavysync-tmp-not-ours.txt", "a/kept.txt"], (await ListAsync(store)).Select(e => e.Key).Order(StringComparer.Ordinal));
        }

        await ((IRunMaintenance)store).PrepareDestinationAsync(OrphanUploadPolicy.SoleWriter(), CancellationToken.None);

        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(deeper));
        Assert.True(File.Exists(live), "a temporary file younger than this process may be its own write");
        Assert.True(File.Exists(lookalike));
        Assert.True(File.Exists(Path.Join(root, "a", "kept.txt")));
    }

    [Fact]
    public async Task PrepareDestination_SharedWithCopiers_RemovesOnlyTempFilesIdleForTheWholeInterval()
    {
        var (store, root) = NewLocalStore();
        var idle = TempFile(root, "d/.heavysync-tmp-0123456789ab-idle.bin", DateTime.UtcNow.AddHours(-2));
        var busy = TempFile(root, "d/.heavysync-tmp-ba9876543210-busy.bin", DateTime.UtcNow.AddMinutes(-10));
        await ListAsync(store);

        await ((IRunMaintenance)store).PrepareDestinationAsync(OrphanUploadPolicy.SharedWithCopiers(TimeSpan.FromHours(1)), CancellationToken.None);

        Assert.False(File.Exists(idle));
        Assert.True(File.Exists(busy), "another copier may still be writing it");
    }

    [Fact]
    public async Task PrepareDestination_MissingRoot_DoesNothing()
    {
        var store = new LocalFileStore(Path.Join(_temp.Path, "not-yet"), new LocalStoreOptions(), new Logging.CollectingLogger());

        await ((IRunMaintenance)store).PrepareDestinationAsync(OrphanUploadPolicy.SoleWriter(), CancellationToken.None);

        Assert.False(Directory.Exists(Path.Join(_temp.Path, "not-yet")));
    }

    private static string TempFile(string root, string key, DateTime mtime)
    {
        var path = Path.Join(root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "partial");
        File.SetLastWriteTimeUtc(path, mtime);
        return path;
    }
}
