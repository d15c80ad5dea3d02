using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace HeavySync.IntegrationTests.Infrastructure;

/// <summary>The outcome of one run of the real heavysync binary.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, bool Killed)
{
    public string All => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode}{(Killed ? " (killed)" : string.Empty)}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real <c>heavysync</c> binary (built beside the tests) as a child process, optionally
/// killing it with SIGKILL the moment a predicate on its output or on the outside world holds.
/// </summary>
public static class CliProcess
{
    /// <summary>Path of heavysync.dll copied into the test output by the project reference.</summary>
    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "heavysync.dll");

    /// <summary>
    /// The heavysync under test, as a command line: <c>HEAVYSYNC_TEST_CLI</c> when set (a published
    /// executable: scripts/test.sh sets it to the native build that <c>./heavysync</c> runs, so the
    /// tests prove the binary users get), else <c>dotnet heavysync.dll</c> built beside the tests.
    /// </summary>
    public static IReadOnlyList<string> Command { get; } =
        Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_CLI") is { Length: > 0 } cli ? [cli] : ["dotnet", DllPath];

    public static Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? env = null, TimeSpan? timeout = null) =>
        RunAsync(args, env, killWhen: null, timeout);

    /// <summary>
    /// Runs heavysync; when <paramref name="killWhen"/> returns true (checked on every output line
    /// and every 20 ms) the process is killed with SIGKILL — no chance to clean up, like a crash.
    /// </summary>
    public static Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? env, Func<string, bool>? killWhen, TimeSpan? timeout = null) =>
        RunAsync(args, env, killWhen, timeout, terminate: false);

    /// <summary>
    /// Runs heavysync and, when <paramref name="terminateWhen"/> holds, sends it SIGTERM (a graceful
    /// stop request, as Kubernetes sends) once, then waits for it to exit on its own.
    /// </summary>
    public static Task<CliResult> RunAndTerminateAsync(IEnumerable<string> args, IDictionary<string, string?>? env, Func<string, bool> terminateWhen, TimeSpan? timeout = null) =>
        RunAsync(args, env, terminateWhen, timeout, terminate: true);

    private static async Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? env, Func<string, bool>? killWhen, TimeSpan? timeout, bool terminate)
    {
        var psi = new ProcessStartInfo(Command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in Command.Skip(1).Concat(args))
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["HEAVYSYNC_PROGRESS_INTERVAL"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start heavysync");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var lines = new ConcurrentQueue<string>();
        var killed = false;
        var gate = new object();
        void OnLine(StringBuilder sink, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                sink.AppendLine(line);
            }

            lines.Enqueue(line);
        }

        process.OutputDataReceived += (_, e) => OnLine(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        while (!process.HasExited)
        {
            if (killWhen is not null)
            {
                var fire = killWhen(string.Empty);
                while (!fire && lines.TryDequeue(out var line))
                {
                    fire = killWhen(line);
                }

                if (fire && terminate)
                {
                    using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    {
                        await kill.WaitForExitAsync();
                    }

                    killed = true;
                    killWhen = null;
                }
                else if (fire)
                {
                    process.Kill(entireProcessTree: true);
                    killed = true;
                    break;
                }
            }

            if (deadline.Elapsed > limit)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"heavysync did not finish within {limit}: {stdout}{stderr}");
            }

            await Task.Delay(20);
        }

        await process.WaitForExitAsync();
        lock (gate)
        {
            return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString(), killed);
        }
    }
}
