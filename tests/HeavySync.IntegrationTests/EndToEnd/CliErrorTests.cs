using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.EndToEnd;

/// <summary>Bad input: a clear one-line error, the documented exit code, no stack trace, nothing written.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TempTree work = new("errors");

    [Theory]
    [InlineData("ftp://host/x", 2)]
    [InlineData("s3://", 2)]
    [InlineData("s3://Bad_Bucket!/x", 2)]
    [InlineData("gcs:bucket/x", 2)]
    public async Task Sync_InvalidSourceUrl_OneLineUsageError(string source, int exitCode)
    {
        var result = await CliProcess.RunAsync(["sync", source, Path.Combine(work.Root, "dst"), "--state", Path.Combine(work.Root, "s.db")]);

        AssertOneLineError(result, exitCode);
        Assert.False(Directory.Exists(Path.Combine(work.Root, "dst")));
    }

    [Fact]
    public async Task Sync_MissingSourceDirectory_FatalExit4()
    {
        var result = await CliProcess.RunAsync(["sync", Path.Combine(work.Root, "nope"), Path.Combine(work.Root, "dst"), "--state", Path.Combine(work.Root, "s.db")]);

        AssertOneLineError(result, 4);
        Assert.Contains("does not exist", result.Stderr);
    }

    [Fact]
    public async Task Sync_CorruptStateFile_RefusedAndLeftUntouched()
    {
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        var state = Path.Combine(work.Root, "corrupt.db");
        var garbage = new byte[8192];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(state, garbage);

        var result = await CliProcess.RunAsync(["sync", src.Root, Path.Combine(work.Root, "dst"), "--state", state]);

        AssertOneLineError(result, 2);
        Assert.Contains("state", result.Stderr);
        Assert.Equal(garbage, File.ReadAllBytes(state));
    }

    [Theory]
    [InlineData("--concurrency", "0")]
    [InlineData("--compare", "fuzzy")]
    [InlineData("--max-delete", "lots")]
    [InlineData("--prune-versions-older-than", "soon")]
    public async Task Sync_BadOptionValue_UsageExit2(string option, string value)
    {
        using var src = new TempTree("src");
        var result = await CliProcess.RunAsync(["sync", src.Root, Path.Combine(work.Root, "dst"), "--state", Path.Combine(work.Root, "s.db"), option, value]);

        AssertOneLineError(result, 2);
    }

    [Theory]
    [InlineData("--s3-multipart-threshold", "6GiB", "--s3-multipart-threshold must be between 1B and 512MiB")]
    [InlineData("--s3-multipart-threshold", "513MiB", "--s3-multipart-threshold must be between 1B and 512MiB")]
    [InlineData("--s3-part-size", "1GiB", "--s3-part-size must be between 5MiB")]
    [InlineData("--s3-part-size", "4MiB", "--s3-part-size must be between 5MiB")]
    public async Task Sync_S3BufferSizeOutOfRange_UsageExit2WithTheLimit(string option, string value, string message)
    {
        using var src = new TempTree("src");
        var result = await CliProcess.RunAsync(["sync", src.Root, Path.Combine(work.Root, "dst"), "--state", Path.Combine(work.Root, "s.db"), option, value]);

        AssertOneLineError(result, 2);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_S3MultipartThresholdAtTheLimit_Accepted()
    {
        using var src = new TempTree("src");
        src.Write("a.txt", "a"u8.ToArray());
        var result = await CliProcess.RunAsync(["sync", src.Root, Path.Combine(work.Root, "dst"), "--state", Path.Combine(work.Root, "s.db"), "--s3-multipart-threshold", "512MiB", "--s3-part-size", "512MiB"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Sync_OverlappingDirectories_Refused()
    {
        using var src = new TempTree("src");
        var result = await CliProcess.RunAsync(["sync", src.Root, Path.Combine(src.Root, "inside"), "--state", Path.Combine(work.Root, "s.db")]);

        AssertOneLineError(result, 2);
        Assert.Contains("overlap", result.Stderr);
    }

    [Fact]
    public async Task Help_ExplainsEveryCommand()
    {
        var root = await CliProcess.RunAsync(["--help"]);
        var sync = await CliProcess.RunAsync(["sync", "--help"]);

        Assert.Equal(0, root.ExitCode);
        Assert.Contains("sync", root.Stdout);
        Assert.Contains("check", root.Stdout);
        Assert.Contains("status", root.Stdout);
        Assert.Equal(0, sync.ExitCode);
        foreach (var option in new[] { "--state", "--concurrency", "--compare", "--include", "--exclude", "--dry-run", "--no-delete", "--max-delete" })
        {
            Assert.Contains(option, sync.Stdout);
        }
    }

    private static void AssertOneLineError(CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.DoesNotContain("   at ", result.All);
        Assert.DoesNotContain("Exception", result.All);
        var errorLines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("heavysync:", StringComparison.Ordinal)).ToList();
        Assert.Single(errorLines);
    }

    public void Dispose() => work.Dispose();
}
