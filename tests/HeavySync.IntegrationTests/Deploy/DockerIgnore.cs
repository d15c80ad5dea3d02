using System.Text.RegularExpressions;

namespace HeavySync.IntegrationTests.Deploy;

/// <summary>
/// .dockerignore patterns (<c>*</c>, <c>**</c>, <c>?</c>; no <c>!</c> exceptions, which the
/// repository's file does not use) and a COPY that honours them, as the build context does.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<Regex> patterns;

    private DockerIgnore(IReadOnlyList<Regex> patterns) => this.patterns = patterns;

    public static DockerIgnore Load(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Any(l => l.StartsWith('!')))
        {
            throw new NotSupportedException(".dockerignore exceptions (!) are not supported by this replay");
        }

        return new DockerIgnore(lines.Select(ToRegex).ToList());
    }

    /// <summary>True when a context path (relative, '/'-separated) or one of its parent folders is ignored.</summary>
    public bool Ignores(string relative)
    {
        var parts = relative.Split('/');
        for (var i = 1; i <= parts.Length; i++)
        {
            var prefix = string.Join('/', parts.Take(i));
            if (patterns.Any(p => p.IsMatch(prefix)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// COPY <paramref name="source"/> (relative to the context) to <paramref name="destination"/>:
    /// a folder's contents go into the destination folder; a file goes into it when it ends with '/'.
    /// </summary>
    public void Copy(string context, string source, string destination)
    {
        var from = Path.Combine(context, source.TrimEnd('/'));
        if (Directory.Exists(from))
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(context, file).Replace('\\', '/');
                if (!Ignores(relative))
                {
                    CopyFile(file, Path.Combine(destination, Path.GetRelativePath(from, file)));
                }
            }
        }
        else
        {
            Assert.True(File.Exists(from), $"COPY source {source} does not exist");
            Assert.False(Ignores(source), $"COPY source {source} is excluded by .dockerignore");
            var target = destination.EndsWith('/') || Directory.Exists(destination) ? Path.Combine(destination, Path.GetFileName(from)) : destination;
            CopyFile(from, target);
        }
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }

    private static Regex ToRegex(string pattern)
    {
        var body = Regex.Escape(pattern.TrimStart('/').TrimEnd('/'))
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal);
        return new Regex("^" + body + "$", RegexOptions.CultureInvariant);
    }
}
