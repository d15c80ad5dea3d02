using System.Diagnostics;
using HeavySync.Tests;
using HeavySync.Tests.Deploy;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.Deploy;

/// <summary>
/// The README's first command, <c>./heavysync</c>, from a scratch copy of what it needs (the
/// wrapper, <c>scripts/publish-cli.sh</c>, the sources and build files): the first run builds the
/// native program and runs it; the next run starts it without building.
/// Slow (a native publish of the app and the runtime): one test.
/// </summary>
// The two publishes are the heaviest tests: one at a time.
[Collection("publish")]
public sealed class CliWrapperTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Needed =
        ["heavysync", "scripts/publish-cli.sh", "src", "Directory.Build.props", "Directory.Packages.props", "nuget.config", ".editorconfig"];

    private readonly TempDirectory scratch = new();

    [Fact]
    public async Task Wrapper_FirstRunBuildsTheNativeProgram_ItSyncs_TheNextRunDoesNotBuild()
    {
        var root = scratch.NewSubdirectory();
        foreach (var path in Needed)
        {
            Copy(RepositoryRoot.Combine(path), Path.Combine(root, path));
        }

        var source = scratch.NewSubdirectory();
        Directory.CreateDirectory(Path.Combine(source, "a"));
        await File.WriteAllTextAsync(Path.Combine(source, "a", "one.txt"), "one");
        await File.WriteAllTextAsync(Path.Combine(source, "two.txt"), "two");
        var destination = Path.Combine(scratch.Path, "destination");
        var state = Path.Combine(scratch.Path, "state.db");

        var first = await RunAsync(root, TimeSpan.FromMinutes(15), "sync", source, destination, "--state", state, "--quiet");
        Assert.Contains("building", first.Stderr);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("in sync", first.Stdout);
        Assert.Equal("one", await File.ReadAllTextAsync(Path.Combine(destination, "a", "one.txt")));
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(destination, "two.txt")));

        // Native: one executable (ELF), no managed assemblies or .NET runtime beside it.
        var program = Path.Combine(root, ".build", "cli");
        var head = new byte[4];
        await using (var executable = File.OpenRead(Path.Combine(program, "heavysync")))
        {
            await executable.ReadExactlyAsync(head);
        }

        Assert.Equal(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, head);
        Assert.Empty(Directory.GetFiles(program, "*.dll"));
        Assert.False(File.Exists(Path.Combine(program, "heavysync.runtimeconfig.json")), "a .NET runtime configuration: not the native build");
        Assert.False(Directory.Exists(program + ".new"), "the build's staging folder was left behind");
        Assert.False(Directory.Exists(Path.Combine(root, "src", "HeavySync.Cli", "obj", "Release")), "the build wrote into the projects' obj/");

        var second = await RunAsync(root, TimeSpan.FromMinutes(2), "sync", source, destination, "--state", state, "--quiet");
        Assert.DoesNotContain("building", second.Stderr);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("unchanged 2", second.Stdout);
    }

    public void Dispose() => scratch.Dispose();

    private static void Copy(string from, string to)
    {
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
            }

            return;
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Contains("bin") || parts.Contains("obj"))
            {
                continue;
            }

            Copy(file, Path.Combine(to, relative));
        }
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string root, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(root, "heavysync"), args)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ./heavysync");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        var result = (process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ ./heavysync {string.Join(' ', args)}  (exit {result.ExitCode})\n{result.Item2}{result.Item3}");
        return result;
    }
}
