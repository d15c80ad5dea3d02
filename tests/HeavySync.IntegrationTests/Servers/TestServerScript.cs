using System.Diagnostics;

namespace HeavySync.IntegrationTests.Servers;

/// <summary>
/// Finds a test server the repo's scripts run: from environment variables when all are set (the
/// README's test command exports them), else by running the server's idempotent
/// <c>scripts/NAME/start.sh</c> and reading the env file it writes under HEAVYSYNC_TEST_DIR.
/// </summary>
public static class TestServerScript
{
    /// <summary>Values of <paramref name="names"/> for the server whose scripts live in <c>scripts/<paramref name="name"/></c>.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> GetAsync(string name, IReadOnlyList<string> names)
    {
        var fromEnvironment = names.ToDictionary(n => n, n => Environment.GetEnvironmentVariable(n) ?? string.Empty);
        if (fromEnvironment.Values.All(v => v.Length > 0))
        {
            return fromEnvironment;
        }

        // start.sh is idempotent: it answers at once when the server already runs.
        var script = Path.Combine(RepoRoot(), "scripts", name, "start.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run " + script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        _ = await stdout.ConfigureAwait(false);
        var envFile = Path.Combine(TestDirectory, name, "env");
        var values = (await File.ReadAllLinesAsync(envFile).ConfigureAwait(false))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        var missing = names.Where(n => !values.ContainsKey(n)).ToList();
        return missing.Count == 0
            ? values
            : throw new InvalidOperationException($"{envFile} lacks {string.Join(", ", missing)}");
    }

    /// <summary>HEAVYSYNC_TEST_DIR, default /tmp/heavysync-test: where the scripts keep server state.</summary>
    public static string TestDirectory =>
        Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_DIR") is { Length: > 0 } dir ? dir : "/tmp/heavysync-test";

    /// <summary>The repository root (the folder holding HeavySync.Workers.sln).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HeavySync.Workers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (HeavySync.Workers.sln) not found above " + AppContext.BaseDirectory);
    }
}
