using HeavySync.Local;
using HeavySync.Storage;
using HeavySync.Tests.Contracts;
using HeavySync.Tests.Logging;

namespace HeavySync.Tests.Local;

/// <summary>
/// <see cref="LocalFileStore"/>: the <see cref="IObjectStore"/> contract in a temporary directory per test,
/// then what only a local file system has (mtimes to the tick, temp files, pruning). Links, permissions
/// and unsafe keys have partial files of their own.
/// </summary>
public sealed partial class LocalFileStoreTests : ObjectStoreContract
{
    private readonly TempDirectory _temp = new();

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new LocalFileStore(_temp.NewSubdirectory(), new LocalStoreOptions(), new CollectingLogger()));

    protected override Task<IObjectStore?> CreateMissingLocationStoreAsync() =>
        Task.FromResult<IObjectStore?>(new LocalFileStore(
            Path.Join(_temp.Path, "does-not-exist"), new LocalStoreOptions { RootMustExist = true }, new CollectingLogger()));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task WriteAsync_LastModified_PreservedToTheTick()
    {
        var (store, root) = NewLocalStore();
        var mtime = new DateTimeOffset(2019, 12, 31, 23, 59, 58, TimeSpan.Zero).AddTicks(9_876_543);

        var written = await WriteAsync(store, "t/tick.txt", Bytes(5, 1), mtime);

        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(Path.Join(root, "t", "tick.txt")));
        Assert.Equal(mtime, written.LastModified);
        Assert.Equal(mtime, Assert.Single(await ListAsync(store)).LastModified);
        Assert.Equal(mtime, (await store.StatAsync("t/tick.txt", CancellationToken.None))!.LastModified);
    }

    [Fact]
    public async Task WriteAsync_ShortStreamOverExistingFile_LeavesPreviousVersionAndNoTempFile()
    {
        var (store, root) = NewLocalStore();
        var previous = Bytes(64, 2);
        await WriteAsync(store, "keep/me.bin", previous);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("keep/me.bin", 100), new MemoryStream(Bytes(10, 3)), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("ended early", error.Message, StringComparison.Ordinal);
        Assert.Equal(previous, await File.ReadAllBytesAsync(Path.Join(root, "keep", "me.bin")));
        Assert.Equal(["me.bin"], Directory.GetFiles(Path.Join(root, "keep")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task WriteAsync_CancelledMidway_ThrowsCancelledAndRemovesTempFile()
    {
        var (store, root) = NewLocalStore();
        using var cancel = new CancellationTokenSource();
        var content = new CancelAfterFirstReadStream(Bytes(1000, 4), cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.WriteAsync(new WriteRequest("c/cancelled.bin", 5000), content, cancel.Token));

        Assert.Empty(Directory.GetFiles(Path.Join(root, "c")));
    }

    [Fact]
    public async Task WriteAsync_NameNear255Bytes_TempNameStillFits()
    {
        var (store, _) = NewLocalStore();
        var key = "long/" + new string('é', 120) + ".txt"; // 240 + 4 bytes of UTF-8

        await WriteAsync(store, key, Bytes(3, 5));

        Assert.Equal(key, Assert.Single(await ListAsync(store)).Key);
    }

    [Fact]
    public async Task WriteAsync_FileWhereDirectoryMustBe_ThrowsPermanent()
    {
        var (store, _) = NewLocalStore();
        await WriteAsync(store, "blocker", Bytes(1, 6));

        var error = await Assert.ThrowsAsync<StoreException>(() => WriteAsync(store, "blocker/inside.txt", Bytes(1, 7)));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Contains("a file is in the way", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_DirectoryWhereFileMustBe_ThrowsPermanentAndLeavesNoTempFile()
    {
        var (store, root) = NewLocalStore();
        await WriteAsync(store, "dir/child.txt", Bytes(1, 8));

        var error = await Assert.ThrowsAsync<StoreException>(() => WriteAsync(store, "dir", Bytes(1, 9)));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Equal(["dir"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task WriteAsync_RootMissingAndNotRequired_CreatesIt()
    {
        var root = Path.Join(_temp.Path, "new", "root");
        var store = new LocalFileStore(root, new LocalStoreOptions(), new CollectingLogger());

        await WriteAsync(store, "x/y.txt", Bytes(2, 10));

        Assert.True(File.Exists(Path.Join(root, "x", "y.txt")));
    }

    [Fact]
    public async Task WriteAsync_RootMissingButRequired_ThrowsFatal()
    {
        var store = new LocalFileStore(Path.Join(_temp.Path, "absent"), new LocalStoreOptions { RootMustExist = true }, new CollectingLogger());

        var error = await Assert.ThrowsAsync<StoreException>(() => WriteAsync(store, "x.txt", Bytes(2, 11)));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
    }

    [Fact]
    public async Task ListAsync_ManySymlinks_NamesTheFirstFewThenATotal()
    {
        var root = _temp.NewSubdirectory();
        File.WriteAllText(Path.Join(root, "real.txt"), "real");
        for (var i = 0; i < 8; i++)
        {
            File.CreateSymbolicLink(Path.Join(root, $"link{i}"), Path.Join(root, "real.txt"));
        }

        var logger = new CollectingLogger();
        var store = new LocalFileStore(root, new LocalStoreOptions(), logger);

        var listed = await ListAsync(store);

        Assert.Single(listed);
        var warnings = logger.Warnings.ToList();
        Assert.Equal(5, warnings.Count(w => w.StartsWith("Skipping symbolic link", StringComparison.Ordinal)));
        Assert.Contains(warnings, w => w.StartsWith("Skipped 8 symbolic links", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListAsync_RootMissingAndNotRequired_ReturnsNothing()
    {
        var store = new LocalFileStore(Path.Join(_temp.Path, "absent"), new LocalStoreOptions(), new CollectingLogger());

        Assert.Empty(await ListAsync(store));
    }

    [Fact]
    public async Task ListAsync_RootMissingAndRequired_ThrowsFatalNamingTheDirectory()
    {
        var root = Path.Join(_temp.Path, "absent");
        var store = new LocalFileStore(root, new LocalStoreOptions { RootMustExist = true }, new CollectingLogger());

        var error = await Assert.ThrowsAsync<StoreException>(() => ListAsync(store));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Equal($"source directory {root} does not exist", error.Message);
    }

    [Fact]
    public async Task ListAsync_ForeignTempFile_NotListed()
    {
        var (store, root) = NewLocalStore();
        await WriteAsync(store, "real.txt", Bytes(1, 12));
        await File.WriteAllTextAsync(Path.Join(root, LocalFileStore.TempPrefix + "0123456789ab-real.txt"), "partial");

        Assert.Equal(["real.txt"], (await ListAsync(store)).Select(e => e.Key));
    }

    [Fact]
    public async Task StatAsync_Directory_ReturnsNull()
    {
        var (store, _) = NewLocalStore();
        await WriteAsync(store, "d/f.txt", Bytes(1, 13));

        Assert.Null(await store.StatAsync("d", CancellationToken.None));
    }

    [Fact]
    public async Task OpenReadAsync_FileVanishedAfterListing_ThrowsNotFound()
    {
        var (store, root) = NewLocalStore();
        await WriteAsync(store, "v/gone.txt", Bytes(10, 14));
        var listed = Assert.Single(await ListAsync(store));

        File.Delete(Path.Join(root, "v", "gone.txt"));
        var error = await Assert.ThrowsAsync<StoreException>(() => ReadAsync(store, listed.Key));

        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task OpenReadAsync_Directory_ThrowsNotFound()
    {
        var (store, _) = NewLocalStore();
        await WriteAsync(store, "d/f.txt", Bytes(1, 15));

        var error = await Assert.ThrowsAsync<StoreException>(() => ReadAsync(store, "d"));

        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task AllOperations_KeyThroughAFile_BehaveAsMissing()
    {
        var (store, _) = NewLocalStore();
        await WriteAsync(store, "plain", Bytes(3, 18));

        var readError = await Assert.ThrowsAsync<StoreException>(() => ReadAsync(store, "plain/inner.txt"));
        var stat = await store.StatAsync("plain/inner.txt", CancellationToken.None);
        await store.DeleteAsync("plain/inner.txt", CancellationToken.None);

        Assert.Equal(StoreErrorKind.NotFound, readError.Kind);
        Assert.Null(stat);
        Assert.NotNull(await store.StatAsync("plain", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_KeyNamingADirectory_SucceedsAndKeepsTheDirectory()
    {
        var (store, root) = NewLocalStore();
        await WriteAsync(store, "d/f.txt", Bytes(1, 19));

        await store.DeleteAsync("d", CancellationToken.None);

        Assert.True(File.Exists(Path.Join(root, "d", "f.txt")));
    }

    [Fact]
    public async Task DeleteAsync_LastFileOfNestedDirectories_PrunesEmptyDirectoriesButNotRoot()
    {
        var (store, root) = NewLocalStore();
        await WriteAsync(store, "a/b/c/deep.txt", Bytes(1, 16));
        await WriteAsync(store, "a/shallow.txt", Bytes(1, 17));

        await store.DeleteAsync("a/b/c/deep.txt", CancellationToken.None);
        Assert.False(Directory.Exists(Path.Join(root, "a", "b")));
        Assert.True(Directory.Exists(Path.Join(root, "a")));

        await store.DeleteAsync("a/shallow.txt", CancellationToken.None);
        Assert.False(Directory.Exists(Path.Join(root, "a")));
        Assert.True(Directory.Exists(root));
    }

    /// <summary>The store over a fresh directory of this test, and that directory.</summary>
    private (LocalFileStore Store, string Root) NewLocalStore(LocalStoreOptions? options = null, CollectingLogger? logger = null)
    {
        var root = _temp.NewSubdirectory();
        return (new LocalFileStore(root, options ?? new LocalStoreOptions(), logger ?? new CollectingLogger()), root);
    }

    /// <summary>Yields one chunk, then cancels the write's token as a caller giving up would.</summary>
    private sealed class CancelAfterFirstReadStream(byte[] firstChunk, CancellationTokenSource cancel) : MemoryStream(firstChunk)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                await cancel.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return read;
        }
    }
}
