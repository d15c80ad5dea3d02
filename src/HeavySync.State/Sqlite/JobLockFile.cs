using System.Runtime.InteropServices;

namespace HeavySync.State.Sqlite;

/// <summary>
/// An exclusive, non-blocking OS lock on a file, held until disposed or until the process dies (the
/// kernel drops it with the descriptor). On Linux a real <c>flock(2)</c> on a descriptor opened by
/// libc directly: .NET's own FileStream locking is advisory emulation that the CLI switches off
/// (System.IO.DisableFileLocking), and it would take a shared lock of its own on every open. The
/// descriptor is close-on-exec, so a child process never inherits (and prolongs) the lock.
/// Elsewhere: a FileStream opened with <see cref="FileShare.None"/>.
/// </summary>
internal sealed partial class JobLockFile : IAsyncDisposable
{
    private const int ORdWr = 0x2;
    private const int OCreat = 0x40;
    private const int OCloExec = 0x80000;
    private const int LockEx = 2;
    private const int LockNb = 4;
    private const int EWouldBlock = 11;

    private int _descriptor;
    private FileStream? _stream;

    private JobLockFile(int descriptor, FileStream? stream)
    {
        _descriptor = descriptor;
        _stream = stream;
    }

    /// <summary>The lock, or null when another descriptor (any process) holds it. Throws <see cref="StateStoreException"/> when the file cannot be opened.</summary>
    public static JobLockFile? TryAcquire(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                return new JobLockFile(-1, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                return null;
            }
        }

        var descriptor = Open(path, ORdWr | OCreat | OCloExec, Convert.ToInt32("644", 8));
        if (descriptor < 0)
        {
            throw new StateStoreException($"lock file {path} cannot be opened (errno {Marshal.GetLastPInvokeError()})");
        }

        if (Flock(descriptor, LockEx | LockNb) == 0)
        {
            return new JobLockFile(descriptor, null);
        }

        var errno = Marshal.GetLastPInvokeError();
        Close(descriptor);
        return errno == EWouldBlock
            ? null
            : throw new StateStoreException($"lock file {path} cannot be locked (errno {errno})");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        var descriptor = Interlocked.Exchange(ref _descriptor, -1);
        if (descriptor >= 0)
        {
            Close(descriptor); // closing the last descriptor releases the flock
        }

        Interlocked.Exchange(ref _stream, null)?.Dispose();
        return ValueTask.CompletedTask;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int descriptor, int operation);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
