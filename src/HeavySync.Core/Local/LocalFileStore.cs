using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Local;

/// <summary>
/// An <see cref="IObjectStore"/> over a local directory. Keys are '/'-separated paths relative to the
/// root; every key is checked by <see cref="KeySafety"/> before it touches the file system. Writes go
/// to a temporary file beside the target and are renamed over it, so readers never see half an object.
/// Split by concern: listing, reading and writing live in their own partial files.
/// </summary>
public sealed partial class LocalFileStore : IObjectStore, IRunMaintenance
{
    /// <summary>Name prefix of in-progress writes; listing hides such files.</summary>
    internal const string TempPrefix = ".heavysync-tmp-";

    private readonly string _root;
    private readonly LocalStoreOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a store over <paramref name="rootPath"/> (made absolute; not touched until used).</summary>
    public LocalFileStore(string rootPath, LocalStoreOptions options, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        _options = options;
        _logger = logger;
        Location = rootPath;
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <inheritdoc />
    public StoreCapabilities Capabilities => StoreCapabilities.LocalFileSystem;

    /// <summary>The absolute root directory.</summary>
    public string RootPath => _root;

    /// <inheritdoc />
    /// <remarks>Null for a missing file, a directory, and (unless following links) a symbolic link,
    /// matching what <see cref="ListAsync"/> would show. A file hidden by permissions is
    /// <see cref="StoreErrorKind.Permanent"/>, never null: "vanished" would silently skip it.</remarks>
    public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = KeySafety.ResolveUnder(_root, key);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            ThrowIfHidden(key, path);
            return Task.FromResult<ObjectEntry?>(null);
        }

        // Attributes come from the lstat Exists already made: no extra system call for plain files.
        if ((info.Attributes & FileAttributes.ReparsePoint) != 0)
        {
            if (!_options.FollowSymlinks || FinalTarget(info) is not { } target)
            {
                return Task.FromResult<ObjectEntry?>(null);
            }

            info = target;
        }

        return Task.FromResult<ObjectEntry?>(new ObjectEntry(key, info.Length) { LastModified = info.LastWriteTimeUtc });
    }

    /// <inheritdoc />
    /// <remarks>Also removes directories left empty by the delete, up to (not including) the root.</remarks>
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = KeySafety.ResolveUnder(_root, key);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            // A directory is not an object, so there is no object to delete under this key.
            return Task.CompletedTask;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw LocalErrors.ForDelete(error, path);
        }

        PruneEmptyDirectories(Path.GetDirectoryName(path));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// FileInfo reports "does not exist" for every failure; ask again, only on this rare path, to
    /// tell a missing file from one the permissions hide.
    /// </summary>
    private static void ThrowIfHidden(string key, string path)
    {
        try
        {
            File.GetAttributes(path);
        }
        catch (Exception error) when (error is UnauthorizedAccessException
            || (error is IOException && error is not (FileNotFoundException or DirectoryNotFoundException)))
        {
            throw LocalErrors.ForRead(error, key, path);
        }
        catch (IOException)
        {
            // Missing indeed.
        }
    }

    /// <summary>The existing file a link finally leads to; null when dangling, looping or a directory.</summary>
    private static FileInfo? FinalTarget(FileInfo link)
    {
        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void PruneEmptyDirectories(string? directory)
    {
        while (directory is not null && directory.Length > _root.Length)
        {
            try
            {
                // Non-recursive: fails on a non-empty directory, which is where pruning stops.
                Directory.Delete(directory);
            }
            catch (DirectoryNotFoundException)
            {
                // A concurrent delete pruned it first; its parent may still be empty.
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return;
            }

            directory = Path.GetDirectoryName(directory);
        }
    }
}
