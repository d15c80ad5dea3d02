namespace HeavySync.Tests.Deploy;

/// <summary>Files of this checkout, found from the test binary's folder.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder holding HeavySync.Workers.sln.</summary>
    public static string Path { get; } = Find();

    /// <summary>A path inside the repository, from '/'-separated parts.</summary>
    public static string Combine(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "HeavySync.Workers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (HeavySync.Workers.sln) not found above " + AppContext.BaseDirectory);
    }
}
