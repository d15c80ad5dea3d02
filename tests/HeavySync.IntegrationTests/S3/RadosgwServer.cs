using System.Diagnostics;
using Amazon.Runtime;

namespace HeavySync.IntegrationTests.S3;

/// <summary>
/// The radosgw test server: from HEAVYSYNC_TEST_S3_* environment variables when set, else from the
/// env file scripts/radosgw/start.sh writes under HEAVYSYNC_TEST_DIR, else started by running
/// that script (which is idempotent). Shared by every test in the process.
/// </summary>
public sealed class RadosgwServer
{
    private static readonly Lazy<Task<RadosgwServer>> Shared = new(StartAsync);

    private RadosgwServer(IReadOnlyDictionary<string, string> values)
    {
        Endpoint = values["HEAVYSYNC_TEST_S3_ENDPOINT"];
        Credentials = new BasicAWSCredentials(values["HEAVYSYNC_TEST_S3_ACCESS_KEY"], values["HEAVYSYNC_TEST_S3_SECRET_KEY"]);
        OtherCredentials = new BasicAWSCredentials(values["HEAVYSYNC_TEST_S3_ACCESS_KEY_2"], values["HEAVYSYNC_TEST_S3_SECRET_KEY_2"]);
        AccessKey = values["HEAVYSYNC_TEST_S3_ACCESS_KEY"];
    }

    /// <summary>S3 endpoint URL (http://127.0.0.1:PORT).</summary>
    public string Endpoint { get; }

    /// <summary>The first test user.</summary>
    public AWSCredentials Credentials { get; }

    /// <summary>A second, unrelated user.</summary>
    public AWSCredentials OtherCredentials { get; }

    /// <summary>The first user's access key id.</summary>
    public string AccessKey { get; }

    /// <summary>The shared server, started on first use.</summary>
    public static Task<RadosgwServer> GetAsync() => Shared.Value;

    private static readonly string[] Names =
    [
        "HEAVYSYNC_TEST_S3_ENDPOINT", "HEAVYSYNC_TEST_S3_ACCESS_KEY", "HEAVYSYNC_TEST_S3_SECRET_KEY",
        "HEAVYSYNC_TEST_S3_ACCESS_KEY_2", "HEAVYSYNC_TEST_S3_SECRET_KEY_2",
    ];

    private static async Task<RadosgwServer> StartAsync()
    {
        var fromEnvironment = Names.ToDictionary(n => n, n => Environment.GetEnvironmentVariable(n) ?? string.Empty);
        if (fromEnvironment.Values.All(v => v.Length > 0))
        {
            return new RadosgwServer(fromEnvironment);
        }

        // start.sh is idempotent: it answers at once when the server already runs.
        var script = Path.Combine(RepoRoot(), "scripts", "radosgw", "start.sh");
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
        var envFile = Path.Combine(Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_DIR") is { Length: > 0 } dir ? dir : "/tmp/heavysync-test", "radosgw", "env");
        var values = (await File.ReadAllLinesAsync(envFile).ConfigureAwait(false))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        return new RadosgwServer(values);
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
