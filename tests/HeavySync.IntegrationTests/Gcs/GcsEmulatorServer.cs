using System.Diagnostics;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>
/// Google's storage emulator (firebase-tools): from HEAVYSYNC_TEST_GCS_ENDPOINT when set, else from
/// the env file scripts/gcs-emulator/start.sh writes under HEAVYSYNC_TEST_DIR, else started by
/// running that script (idempotent). Shared by every test in the process.
/// </summary>
public sealed class GcsEmulatorServer
{
    private static readonly Lazy<Task<GcsEmulatorServer>> Shared = new(StartAsync);

    private GcsEmulatorServer(string endpoint) => Endpoint = endpoint.TrimEnd('/');

    /// <summary>The emulator's URL (http://127.0.0.1:PORT).</summary>
    public string Endpoint { get; }

    /// <summary>The shared emulator, started on first use.</summary>
    public static Task<GcsEmulatorServer> GetAsync() => Shared.Value;

    private static async Task<GcsEmulatorServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_GCS_ENDPOINT") is { Length: > 0 } endpoint)
        {
            return new GcsEmulatorServer(endpoint);
        }

        var script = Path.Combine(RepoRoot(), "scripts", "gcs-emulator", "start.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run " + script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        var line = (await stdout.ConfigureAwait(false)).Split('\n').First(l => l.StartsWith("HEAVYSYNC_TEST_GCS_ENDPOINT=", StringComparison.Ordinal));
        return new GcsEmulatorServer(line.Split('=', 2)[1].Trim());
    }

    private static string RepoRoot()
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
