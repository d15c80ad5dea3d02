using System.Buffers;
using System.Globalization;
using System.Text;
using HeavySync.Storage;
using Microsoft.Win32.SafeHandles;

namespace HeavySync.Local;

public sealed partial class LocalFileStore
{
    /// <summary>Largest copy buffer one write holds: memory stays bounded however big the object.</summary>
    private const int MaxBufferBytes = 1024 * 1024;

    /// <summary>Objects at least this big get their space reserved up front (less fragmentation, early ENOSPC).</summary>
    private const long PreallocateFromBytes = 1024 * 1024;

    /// <summary>Longest file name most file systems accept, in bytes.</summary>
    private const int MaxFileNameBytes = 255;

    /// <inheritdoc />
    /// <remarks>
    /// Writes to <c>.heavysync-tmp-&lt;random&gt;-&lt;name&gt;</c> in the target's directory, sets the
    /// mtime, then renames over the target (atomic on one file system). Any failure or cancellation
    /// removes the temporary file. A stream that yields fewer or more than <see cref="WriteRequest.Length"/>
    /// bytes is <see cref="StoreErrorKind.Transient"/>; a full disk is <see cref="StoreErrorKind.Fatal"/>;
    /// a file where a directory must be, or permission problems, are <see cref="StoreErrorKind.Permanent"/>.
    /// The data is not fsync'ed: a process crash never exposes a partial object, but after a power
    /// loss a file system without rename ordering could (the ledger's sampled checks find such objects).
    /// </remarks>
    public async Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Length, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        var path = KeySafety.ResolveUnder(_root, request.Key);
        var directory = Path.GetDirectoryName(path)!;
        string? tempPath = null;
        try
        {
            DateTime lastModified;
            (tempPath, var handle) = CreateTempFile(directory, Path.GetFileName(path), request.Length);
            using (handle)
            {
                await CopyContentAsync(content, handle, request.Length, path, cancellationToken).ConfigureAwait(false);
                if (request.LastModified is { } mtime)
                {
                    File.SetLastWriteTimeUtc(handle, mtime.UtcDateTime);
                }

                // What the file system actually kept (it may round), read through the open handle.
                lastModified = File.GetLastWriteTimeUtc(handle);
            }

            MoveIntoPlace(tempPath, path);
            tempPath = null;
            return new ObjectEntry(request.Key, request.Length) { LastModified = new DateTimeOffset(lastModified, TimeSpan.Zero) };
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw LocalErrors.ForWrite(error, path);
        }
        finally
        {
            if (tempPath is not null)
            {
                DeleteTempFile(tempPath);
            }
        }
    }

    private (string Path, SafeFileHandle Handle) CreateTempFile(string directory, string name, long length)
    {
        var preallocate = length >= PreallocateFromBytes ? length : 0;
        for (var attempt = 1; ; attempt++)
        {
            var tempPath = Path.Join(directory, TempName(name));
            try
            {
                // Optimistic: most writes land in a directory that exists, so try the file first and
                // create directories only when that fails (one system call instead of a stat per level).
                return (tempPath, File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, preallocate));
            }
            catch (DirectoryNotFoundException) when (attempt <= 3)
            {
                // Retried: a concurrent delete may prune the new directory before our file lands in it.
                CreateDirectories(directory);
            }
            catch (IOException) when (attempt <= 3 && File.Exists(tempPath))
            {
                // The random name collided with another write's temporary file; draw again.
            }
        }
    }

    private void CreateDirectories(string directory)
    {
        if (_options.RootMustExist && !Directory.Exists(_root))
        {
            throw new StoreException(StoreErrorKind.Fatal, $"directory {_root} does not exist");
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (IOException error) when (FileInTheWay(directory) is { } blocker)
        {
            throw new StoreException(StoreErrorKind.Permanent, $"cannot create directory {directory}: a file is in the way ({blocker})", error);
        }
    }

    private string? FileInTheWay(string directory)
    {
        for (var path = directory; path is not null && path.Length >= _root.Length; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static async Task CopyContentAsync(Stream content, SafeFileHandle handle, long length, string path, CancellationToken cancellationToken)
    {
        // Sized to the object: a 1 KiB file borrows a 1 KiB buffer, not a megabyte.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(length, 1, MaxBufferBytes));
        try
        {
            long written = 0;
            while (written < length)
            {
                var want = (int)Math.Min(buffer.Length, length - written);
                var read = await ReadSourceAsync(content, buffer.AsMemory(0, want), path, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new StoreException(StoreErrorKind.Transient, $"source stream ended early: {written} of {length} bytes for {path}");
                }

                // Synchronous positional write: local writes land in the page cache, and the async
                // variant would only hop to the thread pool to make the same call.
                RandomAccess.Write(handle, buffer.AsSpan(0, read), written);
                written += read;
            }

            if (await ReadSourceAsync(content, buffer.AsMemory(0, 1), path, cancellationToken).ConfigureAwait(false) > 0)
            {
                throw new StoreException(StoreErrorKind.Transient, $"source stream longer than expected: more than {length} bytes for {path}");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<int> ReadSourceAsync(Stream content, Memory<byte> buffer, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not (StoreException or OperationCanceledException))
        {
            // Failures of the source stream are the source's (a dropped connection): worth a retry.
            throw new StoreException(StoreErrorKind.Transient, $"reading the source for {path} failed: {LocalErrors.OneLine(error.Message)}", error);
        }
    }

    private static void MoveIntoPlace(string tempPath, string path)
    {
        try
        {
            File.Move(tempPath, path, overwrite: true);
        }
        catch (IOException error) when (Directory.Exists(path))
        {
            throw new StoreException(StoreErrorKind.Permanent, $"cannot write {path}: a directory is in the way", error);
        }
    }

    private void DeleteTempFile(string tempPath)
    {
        try
        {
            File.Delete(tempPath);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Log.TempFileLeft(_logger, tempPath, error);
        }
    }

    /// <summary><c>.heavysync-tmp-&lt;random&gt;-&lt;name&gt;</c>, cut to fit <see cref="MaxFileNameBytes"/>.</summary>
    private static string TempName(string name)
    {
        var prefix = TempPrefix + (Random.Shared.NextInt64() & 0xFFFF_FFFF_FFFF).ToString("x12", CultureInfo.InvariantCulture) + "-";
        var budget = MaxFileNameBytes - prefix.Length;
        if (Encoding.UTF8.GetByteCount(name) <= budget)
        {
            return prefix + name;
        }

        var bytes = 0;
        var chars = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > budget)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            chars += rune.Utf16SequenceLength;
        }

        return prefix + name[..chars];
    }
}
