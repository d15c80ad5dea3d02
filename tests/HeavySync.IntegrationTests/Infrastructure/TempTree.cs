using System.Security.Cryptography;

namespace HeavySync.IntegrationTests.Infrastructure;

/// <summary>A temporary directory deleted at dispose, with helpers to build and compare trees.</summary>
public sealed class TempTree : IDisposable
{
    public TempTree(string? name = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "heavysync-it", (name ?? "t") + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string key) => Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Writes a file (creating directories) with the given bytes and mtime.</summary>
    public void Write(string key, byte[] content, DateTime? mtimeUtc = null)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        if (mtimeUtc is { } m)
        {
            File.SetLastWriteTimeUtc(path, m);
        }
    }

    /// <summary>Writes a file of <paramref name="size"/> pseudo-random bytes from <paramref name="random"/>, streaming in chunks.</summary>
    public void WriteRandom(string key, long size, Random random, DateTime? mtimeUtc = null)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.Create(path))
        {
            var buffer = new byte[1 << 20];
            for (long left = size; left > 0; left -= buffer.Length)
            {
                var n = (int)Math.Min(buffer.Length, left);
                random.NextBytes(buffer.AsSpan(0, n));
                file.Write(buffer, 0, n);
            }
        }

        if (mtimeUtc is { } m)
        {
            File.SetLastWriteTimeUtc(path, m);
        }
    }

    /// <summary>Every regular file below the root as '/'-separated keys, ordinal order.</summary>
    public IReadOnlyList<string> Keys() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Asserts that <paramref name="other"/> holds exactly the same keys, bytes and mtimes.</summary>
    public void AssertSameAs(TempTree other, bool compareMtimes = true)
    {
        var mine = Keys();
        var theirs = other.Keys();
        Assert.Equal(mine, theirs);
        foreach (var key in mine)
        {
            var a = new FileInfo(PathOf(key));
            var b = new FileInfo(other.PathOf(key));
            Assert.True(a.Length == b.Length, $"size of {key}: {a.Length} vs {b.Length}");
            Assert.True(SameBytes(a.FullName, b.FullName), $"content of {key} differs");
            if (compareMtimes)
            {
                Assert.True(a.LastWriteTimeUtc == b.LastWriteTimeUtc, $"mtime of {key}: {a.LastWriteTimeUtc:O} vs {b.LastWriteTimeUtc:O}");
            }
        }
    }

    /// <summary>
    /// Inode of each file: a file the sync rewrote (temp file + rename) gets a new inode, one it left
    /// alone keeps its own. .NET has no inode API, so one `find -printf` reads them all.
    /// </summary>
    public Dictionary<string, long> Inodes()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("find", [Root, "-type", "f", "-printf", "%i %P\\0"]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2))
            .ToDictionary(parts => parts[1], parts => long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    private static bool SameBytes(string a, string b)
    {
        using var fa = File.OpenRead(a);
        using var fb = File.OpenRead(b);
        return SHA256.HashData(fa).AsSpan().SequenceEqual(SHA256.HashData(fb));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
