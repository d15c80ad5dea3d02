using System.IO.Enumeration;
using HeavySync.Storage;

namespace HeavySync.Local;

public sealed partial class LocalFileStore
{
    private static readonly EnumerationOptions OneDirectory = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>The mtime .NET reports for an entry whose status could not be read (FILETIME 0).</summary>
    private static readonly DateTime StatusUnavailable = DateTime.FromFileTimeUtc(0);

    /// <inheritdoc />
    /// <remarks>
    /// A streaming depth-first walk over an explicit stack of directories: memory grows with the
    /// directories still to visit, never with the number of files. Order is unspecified
    /// (<see cref="StoreCapabilities.OrderedListing"/> is false), so <paramref name="startAfter"/> must be null.
    /// Size and mtime come from the directory entry's status, one lstat per entry and no open.
    /// Symbolic links are skipped with a warning unless <see cref="LocalStoreOptions.FollowSymlinks"/>;
    /// our own temporary files are never listed. A missing root is <see cref="StoreErrorKind.Fatal"/> when
    /// <see cref="LocalStoreOptions.RootMustExist"/>, else an empty listing. A directory that vanishes
    /// during the walk is skipped silently (its files are gone too). A directory that exists but cannot
    /// be read fails the whole listing with <see cref="StoreErrorKind.Permanent"/>: skipping it would
    /// make its files look deleted — on the source that would delete them at the destination, on the
    /// destination it would hide files from the delete plan — so the run must not mark the listing complete.
    /// </remarks>
    public IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, CancellationToken cancellationToken)
    {
        if (startAfter is not null)
        {
            throw new ArgumentException("a local listing is unordered and cannot resume after a key; pass null", nameof(startAfter));
        }

        return new SyncAsyncEnumerable<ObjectEntry>(Walk, cancellationToken);
    }

    private IEnumerable<ObjectEntry> Walk(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
        {
            ThrowIfRootHidden();
            if (_options.RootMustExist || File.Exists(_root))
            {
                var problem = File.Exists(_root) ? "is not a directory" : "does not exist";
                throw new StoreException(StoreErrorKind.Fatal, $"source directory {_root} {problem}");
            }

            yield break;
        }

        var skippedLinks = 0;
        var pending = new Stack<PendingDirectory>();
        pending.Push(new PendingDirectory(_root, string.Empty, _options.FollowSymlinks ? RealPath.Of(_root) : null, null));
        while (pending.TryPop(out var directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var entries = OpenDirectory(directory.Path);
            if (entries is null)
            {
                continue;
            }

            while (NextEntry(entries, directory.Path) is { } entry)
            {
                switch (entry.Kind)
                {
                    case EntryKind.File:
                        yield return new ObjectEntry(directory.KeyPrefix + entry.Name, entry.Length) { LastModified = entry.LastModified };
                        break;
                    case EntryKind.Temp:
                        NoteTempFile(Path.Join(directory.Path, entry.Name));
                        break;
                    case EntryKind.Directory:
                        if (Descend(directory, entry.Name, isLink: false) is { } child)
                        {
                            pending.Push(child);
                        }

                        break;
                    case EntryKind.Link when _options.FollowSymlinks:
                        if (FollowLink(directory, entry) is { } linked)
                        {
                            if (linked.Directory is { } target)
                            {
                                pending.Push(target);
                            }
                            else
                            {
                                yield return linked.File!;
                            }
                        }

                        break;
                    case EntryKind.Link:
                        // A tree full of links should not bury the output: name the first few, count the rest.
                        if (++skippedLinks <= NamedSkippedLinks)
                        {
                            Log.SymlinkSkipped(_logger, Path.Join(directory.Path, entry.Name));
                        }
                        else
                        {
                            Log.SymlinkSkippedQuietly(_logger, Path.Join(directory.Path, entry.Name));
                        }

                        break;
                }
            }
        }

        if (skippedLinks > NamedSkippedLinks)
        {
            Log.SymlinksSkipped(_logger, skippedLinks, _root);
        }

        NoteWholeTreeWalked();
    }

    /// <summary>Skipped links named one by one at warning level; the rest go to debug and a total.</summary>
    private const int NamedSkippedLinks = 5;

    /// <summary>Opens one directory for enumeration; null when it vanished since its parent listed it.</summary>
    private IEnumerator<RawEntry>? OpenDirectory(string path)
    {
        try
        {
            // The enumerator opens the directory in its constructor, so errors surface here.
            return new FileSystemEnumerable<RawEntry>(path, ToRawEntry, OneDirectory).GetEnumerator();
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, error);
        }
    }

    private RawEntry? NextEntry(IEnumerator<RawEntry> entries, string directoryPath)
    {
        try
        {
            while (entries.MoveNext())
            {
                if (entries.Current.Kind != EntryKind.Skip)
                {
                    return entries.Current;
                }
            }

            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(directoryPath, error);
        }
    }

    /// <summary>An unreadable root is not a missing one: nothing can work, so it is Fatal.</summary>
    private StoreException Unreadable(string path, Exception error)
    {
        Log.DirectoryUnreadable(_logger, path, error);
        var cause = error is UnauthorizedAccessException ? "permission denied" : LocalErrors.OneLine(error.Message);
        var kind = path == _root ? StoreErrorKind.Fatal : StoreErrorKind.Permanent;
        return new StoreException(kind, $"cannot list directory {path}: {cause}", error);
    }

    /// <summary>Directory.Exists says false for a root behind a directory we may not enter, too.</summary>
    private void ThrowIfRootHidden()
    {
        try
        {
            File.GetAttributes(_root);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new StoreException(StoreErrorKind.Fatal, $"cannot reach directory {_root}: permission denied", error);
        }
        catch (IOException)
        {
            // Missing (or a file): decided by the caller.
        }
    }

    private static RawEntry ToRawEntry(ref FileSystemEntry entry)
    {
        if (entry.FileName.StartsWith(TempPrefix, StringComparison.Ordinal))
        {
            return entry.IsDirectory || (entry.Attributes & FileAttributes.ReparsePoint) != 0
                ? new RawEntry(string.Empty, EntryKind.Skip, 0, default)
                : new RawEntry(entry.FileName.ToString(), EntryKind.Temp, 0, entry.LastWriteTimeUtc);
        }

        var name = entry.FileName.ToString();

        // Attributes costs the one lstat per entry; Length and the mtime below reuse its result.
        // Links are tested first because IsDirectory follows a link to its target.
        var attributes = entry.Attributes;
        if ((attributes & FileAttributes.ReparsePoint) != 0)
        {
            return new RawEntry(name, EntryKind.Link, 0, default);
        }

        if (entry.IsDirectory)
        {
            return new RawEntry(name, EntryKind.Directory, 0, default);
        }

        var lastModified = entry.LastWriteTimeUtc;
        if (lastModified.UtcDateTime == StatusUnavailable)
        {
            return Restat(entry.ToFullPath(), name);
        }

        return new RawEntry(name, EntryKind.File, entry.Length, lastModified);
    }

    /// <summary>
    /// The entry's lstat failed: the file was deleted since readdir (skip it, it vanished) or the
    /// directory lets us read names but not look at files (fail, as for an unreadable directory:
    /// UnauthorizedAccessException surfaces through the enumerator).
    /// </summary>
    private static RawEntry Restat(string path, string name)
    {
        try
        {
            File.GetAttributes(path);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return new RawEntry(name, EntryKind.Skip, 0, default);
        }

        // It is there after all (or really dated 1601): list what a fresh look shows.
        var info = new FileInfo(path);
        return new RawEntry(name, EntryKind.File, info.Length, info.LastWriteTimeUtc);
    }

    private enum EntryKind
    {
        Skip,

        /// <summary>One of our temporary files: never listed, but noted for <see cref="PrepareDestinationAsync"/>.</summary>
        Temp,
        File,
        Directory,
        Link,
    }

    private readonly record struct RawEntry(string Name, EntryKind Kind, long Length, DateTimeOffset LastModified);

    /// <summary>A directory still to visit. RealPath and Parent are kept only when following links (loop checks).</summary>
    private sealed record PendingDirectory(string Path, string KeyPrefix, string? RealPath, PendingDirectory? Parent);
}
