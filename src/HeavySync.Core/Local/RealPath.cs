namespace HeavySync.Local;

/// <summary>
/// The canonical path of a directory with every symbolic link resolved, like realpath(3), from BCL
/// calls only. Used to recognise a directory reached twice through links (a loop).
/// </summary>
internal static class RealPath
{
    /// <summary>Linux gives up after 40 links (MAXSYMLINKS); so do we.</summary>
    private const int MaxLinks = 40;

    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    /// <summary>Resolves <paramref name="path"/> (absolute); null when a link chain is too long.</summary>
    public static string? Of(string path)
    {
        var resolved = Path.GetPathRoot(path) ?? "/";
        var pending = new Stack<string>();
        PushParts(pending, path[resolved.Length..]);
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                // Safe to go up textually: everything in 'resolved' is already free of links.
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }

            var candidate = Path.Join(resolved, part);
            var target = LinkTargetOf(candidate);
            if (target is null)
            {
                resolved = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            // Continue with the link's own path components, then what was left of ours.
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(target) ?? "/";
                target = target[resolved.Length..];
            }

            PushParts(pending, target);
        }

        return resolved;
    }

    private static void PushParts(Stack<string> pending, string relative)
    {
        var parts = relative.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    private static string? LinkTargetOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
