using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using HeavySync.Tests;
using HeavySync.Tests.Deploy;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.Deploy;

/// <summary>
/// The Dockerfile without a Docker engine: its build stage is replayed here — the same files
/// copied (honouring .dockerignore) into a scratch root, the same restore and publish commands
/// with the same arguments (absolute paths rebased onto the scratch root) — and the final stage's
/// entry point is run from what it copies. Slow (a Release ReadyToRun publish): one test.
/// </summary>
// The two publishes are the heaviest tests: one at a time.
[Collection("publish")]
public sealed class DockerfilePublishTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The image's own files should stay small (the Dockerfile states about 15 MB).</summary>
    private const long MaxPublishBytes = 40L * 1024 * 1024;

    private readonly TempDirectory scratch = new();

    [Fact]
    public async Task Dockerfile_BuildStageReplayed_PublishesARunnableNonRootImageWithSqlite()
    {
        var stages = Dockerfile.Parse(RepositoryRoot.Combine("Dockerfile"));
        var build = Assert.Single(stages, s => s.Name == "build");
        var final = stages[^1];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", build.BaseImage, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime:10.0", final.BaseImage, StringComparison.Ordinal);
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", await File.ReadAllTextAsync(RepositoryRoot.Combine("Directory.Build.props")));

        var root = scratch.NewSubdirectory();
        var ignore = DockerIgnore.Load(RepositoryRoot.Combine(".dockerignore"));
        var args = new Dictionary<string, string> { ["TARGETARCH"] = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64" };
        var workdir = root;
        var runs = 0;
        foreach (var step in build.Instructions)
        {
            switch (step.Keyword)
            {
                case "ARG":
                    Assert.True(args.ContainsKey(step.Arguments[0].Split('=')[0]), $"ARG {step.Arguments[0]} is not one this replay provides");
                    break;
                case "WORKDIR":
                    workdir = Rebase(root, step.Arguments[0]);
                    Directory.CreateDirectory(workdir);
                    break;
                case "COPY":
                    Assert.False(step.Flags.ContainsKey("from"), "the build stage copies from the context only");
                    var destination = step.Arguments[^1].StartsWith('/') ? Rebase(root, step.Arguments[^1]) : Path.Combine(workdir, step.Arguments[^1]);
                    foreach (var source in step.Arguments.Take(step.Arguments.Count - 1))
                    {
                        ignore.Copy(RepositoryRoot.Path, source, destination);
                    }

                    break;
                case "RUN":
                    var words = step.Arguments.Select(w => Regex.Replace(w, @"\$\{?(\w+)\}?", m => args[m.Groups[1].Value]))
                        .Select(w => w.StartsWith('/') ? Rebase(root, w) : w)
                        .ToList();
                    await RunAsync(words, workdir);
                    runs++;
                    break;
                default:
                    Assert.Fail($"the build stage uses {step.Keyword}, which this replay does not know");
                    break;
            }
        }

        Assert.Equal(2, runs);

        // The final stage: what it copies from the build stage, its user and its entry point.
        var image = scratch.NewSubdirectory();
        var finalWorkdir = image;
        foreach (var step in final.Instructions)
        {
            if (step.Keyword == "WORKDIR")
            {
                finalWorkdir = Rebase(image, step.Arguments[0]);
            }
            else if (step.Keyword == "COPY")
            {
                Assert.Equal("build", step.Flags["from"]);
                CopyTree(Rebase(root, step.Arguments[0]), step.Arguments[1].StartsWith('/') ? Rebase(image, step.Arguments[1]) : Path.Combine(finalWorkdir, step.Arguments[1]));
            }
        }

        var user = final.Instructions.Last(i => i.Keyword == "USER").Arguments[0].Split(':')[0];
        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"USER {user} must be a numeric non-root UID");

        var entry = final.Instructions.Single(i => i.Keyword == "ENTRYPOINT").Arguments;
        var executable = Rebase(image, entry[0]);
        Assert.True(File.Exists(executable), $"the entry point {entry[0]} is not in the image");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(executable)!, "libe_sqlite3.so")), "the SQLite native library is missing");

        var bytes = Directory.EnumerateFiles(image, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        output.WriteLine($"published image files: {bytes / 1024.0 / 1024.0:F1} MiB");
        Assert.InRange(bytes, 1, MaxPublishBytes);

        // The published program runs, and its SQLite state works: the native library loads.
        var help = await RunAsync([executable, "--help"], finalWorkdir);
        Assert.Contains("copier", help);
        var state = Path.Combine(scratch.Path, "state.db");
        var migrated = await RunAsync([executable, "db", "migrate", "--state", state], finalWorkdir);
        Assert.Contains("state schema is up to date", migrated);
    }

    private static string Rebase(string root, string absolute) => Path.Combine(root, absolute.TrimStart('/'));

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private async Task<string> RunAsync(IReadOnlyList<string> words, string workdir)
    {
        var start = new ProcessStartInfo(words[0], words.Skip(1))
        {
            WorkingDirectory = workdir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + words[0]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine($"$ {string.Join(' ', words)}  (exit {process.ExitCode})");
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', words)} failed ({process.ExitCode}):\n{text}");
        return text;
    }

    public void Dispose() => scratch.Dispose();
}
