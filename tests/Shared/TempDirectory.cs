namespace HeavySync.Tests;

/// <summary>A directory under the system temp folder, removed (with everything in it) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    private int _next;

    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("heavysync-test-").FullName;
    }

    /// <summary>The absolute path.</summary>
    public string Path { get; }

    /// <summary>Creates and returns a fresh empty subdirectory.</summary>
    public string NewSubdirectory()
    {
        var path = System.IO.Path.Join(Path, "d" + Interlocked.Increment(ref _next));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: tests that change permissions restore them, but never fail clean-up.
        }
    }
}
