using HeavySync.Storage;

namespace HeavySync.Local;

public sealed partial class LocalFileStore
{
    /// <summary>
    /// The child directory to visit, or null when following links and its real path is already on the
    /// chain of directories that led here: walking it again would never end.
    /// </summary>
    private PendingDirectory? Descend(PendingDirectory parent, string name, bool isLink)
    {
        var path = Path.Join(parent.Path, name);
        var keyPrefix = parent.KeyPrefix + name + "/";
        if (!_options.FollowSymlinks)
        {
            return new PendingDirectory(path, keyPrefix, null, null);
        }

        // A plain subdirectory of a link-free path is link-free itself: no need to resolve it.
        var real = isLink || parent.RealPath is null ? RealPath.Of(path) : Path.Join(parent.RealPath, name);
        if (real is null)
        {
            Log.SymlinkDangling(_logger, path);
            return null;
        }

        for (var ancestor = parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (string.Equals(ancestor.RealPath, real, StringComparison.Ordinal))
            {
                Log.SymlinkLoop(_logger, path, real);
                return null;
            }
        }

        return new PendingDirectory(path, keyPrefix, real, parent);
    }

    /// <summary>Follows one link: a directory to visit, a file to list, or null (dangling, loop).</summary>
    private (PendingDirectory? Directory, ObjectEntry? File)? FollowLink(PendingDirectory parent, RawEntry link)
    {
        var path = Path.Join(parent.Path, link.Name);
        if (Directory.Exists(path))
        {
            return Descend(parent, link.Name, isLink: true) is { } child ? (child, null) : null;
        }

        if (FinalTarget(new FileInfo(path)) is { } final)
        {
            return (null, new ObjectEntry(parent.KeyPrefix + link.Name, final.Length) { LastModified = final.LastWriteTimeUtc });
        }

        Log.SymlinkDangling(_logger, path);
        return null;
    }
}
