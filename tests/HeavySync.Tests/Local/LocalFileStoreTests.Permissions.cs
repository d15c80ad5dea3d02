using HeavySync.Local;
using HeavySync.Storage;

namespace HeavySync.Tests.Local;

public sealed partial class LocalFileStoreTests
{
    /// <summary>Kernel attribute files that are write-only: opening them for reading is refused even to root.</summary>
    private static readonly string[] WriteOnlyKernelFiles = ["/sys/bus/pci/rescan", "/sys/bus/platform/drivers_probe", "/sys/bus/pci/drivers_probe"];

    /// <summary>A directory whose entries even root may not read (procfs, where the kernel says so).</summary>
    private static readonly string[] UnlistableKernelDirectories = ["/proc/1/map_files"];

    [Fact]
    public async Task OpenReadAsync_UnreadableFile_ThrowsPermanentNamingThePath()
    {
        var (store, root) = NewLocalStore();
        var path = Path.Join(root, "locked.bin");
        if (!MakeUnreadableFile(path))
        {
            // As root, chmod 000 does not deny reads, and no write-only kernel file exists here.
            return;
        }

        var error = await Assert.ThrowsAsync<StoreException>(() => ReadAsync(store, "locked.bin"));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Equal($"permission denied: {path}", error.Message);
    }

    [Fact]
    public async Task ListAsync_UnreadableDirectory_ThrowsPermanentRatherThanLookingEmpty()
    {
        var (store, root) = NewLocalStore(new LocalStoreOptions { FollowSymlinks = true });
        await WriteAsync(store, "visible.txt", Bytes(1, 40));
        if (!MakeUnreadableDirectory(Path.Join(root, "locked")))
        {
            // As root, chmod 000 does not deny listing, and no unlistable kernel directory exists here.
            return;
        }

        try
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => ListAsync(store));

            Assert.Equal(StoreErrorKind.Permanent, error.Kind);
            Assert.StartsWith("cannot list directory ", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            RestoreAccess(Path.Join(root, "locked"));
        }
    }

    [Fact]
    public async Task StatAsync_FileInUnsearchableDirectory_ThrowsPermanentNotNull()
    {
        if (OperatingSystem.IsWindows() || Environment.IsPrivilegedProcess)
        {
            // Root looks into any directory, and no kernel directory hides its files' status from root.
            return;
        }

        var (store, root) = NewLocalStore();
        await WriteAsync(store, "hidden/file.txt", Bytes(1, 41));
        File.SetUnixFileMode(Path.Join(root, "hidden"), UnixFileMode.None);
        try
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => store.StatAsync("hidden/file.txt", CancellationToken.None));

            Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        }
        finally
        {
            RestoreAccess(Path.Join(root, "hidden"));
        }
    }

    [Fact]
    public async Task ListAsync_DirectoryWithNamesButNoStatus_ThrowsPermanentRatherThanSkipping()
    {
        if (OperatingSystem.IsWindows() || Environment.IsPrivilegedProcess)
        {
            // As above: only a non-root user can be let read names but not look at the files.
            return;
        }

        var (store, root) = NewLocalStore();
        await WriteAsync(store, "names-only/file.txt", Bytes(1, 42));
        File.SetUnixFileMode(Path.Join(root, "names-only"), UnixFileMode.UserRead);
        try
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => ListAsync(store));

            Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        }
        finally
        {
            RestoreAccess(Path.Join(root, "names-only"));
        }
    }

    [Fact]
    public async Task ListAsync_RootBehindUnsearchableDirectory_ThrowsFatalNotEmpty()
    {
        if (OperatingSystem.IsWindows() || Environment.IsPrivilegedProcess)
        {
            // Root enters any directory; only a non-root user can be kept out.
            return;
        }

        var outer = _temp.NewSubdirectory();
        var root = Path.Join(outer, "root");
        Directory.CreateDirectory(root);
        var store = new LocalFileStore(root, new LocalStoreOptions(), new Logging.CollectingLogger());
        File.SetUnixFileMode(outer, UnixFileMode.None);
        try
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => ListAsync(store));

            Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        }
        finally
        {
            RestoreAccess(outer);
        }
    }

    /// <summary>
    /// Makes <paramref name="path"/> a file this process cannot open for reading. Not root: a file
    /// with mode 000. Root (CAP_DAC_OVERRIDE ignores modes): a link to a write-only kernel attribute,
    /// which the kernel refuses to open for reading regardless of privilege.
    /// </summary>
    private static bool MakeUnreadableFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            File.SetUnixFileMode(path, UnixFileMode.None);
            return true;
        }

        foreach (var candidate in WriteOnlyKernelFiles)
        {
            if (RefusesReading(() => File.OpenRead(candidate).Dispose()))
            {
                File.CreateSymbolicLink(path, candidate);
                return true;
            }
        }

        return false;
    }

    /// <summary>As <see cref="MakeUnreadableFile"/>, for a directory (the test store follows links).</summary>
    private static bool MakeUnreadableDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, UnixFileMode.None);
            return true;
        }

        foreach (var candidate in UnlistableKernelDirectories)
        {
            if (RefusesReading(() => Directory.EnumerateFileSystemEntries(candidate).ToList()))
            {
                Directory.CreateSymbolicLink(path, candidate);
                return true;
            }
        }

        return false;
    }

    private static bool RefusesReading(Action read)
    {
        try
        {
            read();
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void RestoreAccess(string path)
    {
        if (!OperatingSystem.IsWindows() && !Environment.IsPrivilegedProcess && Directory.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
