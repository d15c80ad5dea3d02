using System.Diagnostics;
using System.Text.Json;
using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Cancellation, multipart request accounting and interoperability with rclone.</summary>
public sealed partial class S3ObjectStoreTests
{
    [Fact]
    public async Task WriteAsync_CancelledDuringMultipart_ThrowsCancellationAndAbortsUpload()
    {
        const string Prefix = "cancel/";
        await using var store = await fixture.OpenAsync(prefix: Prefix, options: SmallParts);
        var content = TestData.Bytes(64 * KiB * 8, 8);
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.WriteAsync(new WriteRequest("c.bin", content.Length), new TriggerStream(content, 64 * KiB * 3, cts.Cancel), cts.Token));

        Assert.Null(await store.StatAsync("c.bin", default));
        Assert.Empty(await ListUploadsAsync(Prefix));
    }

    [Fact]
    public async Task WriteAsync_Multipart_CountsPartsAsPutAndVerifiesWithOneHead()
    {
        var counts = new CountingObserver();
        await using var store = await fixture.OpenAsync(options: SmallParts, observer: counts);
        counts.Reset();
        var content = TestData.Bytes((64 * KiB * 4) + 1, 9);

        await store.WriteAsync(new WriteRequest("parts.bin", content.Length), new MemoryStream(content), default);

        Assert.Equal(1 + 5 + 1, counts[RequestOperations.Put]);
        Assert.Equal(1, counts[RequestOperations.Head]);
    }

    [Fact]
    public async Task ListAsync_KeysXmlCannotCarry_RoundTripExactly()
    {
        await using var store = await fixture.OpenAsync();
        string[] keys = ["ctl\u0001key", "tab\tkey", "lit%2Fslash", "plus+space key", "cr\rkey"];
        foreach (var key in keys)
        {
            await store.WriteAsync(new WriteRequest(key, 1), new MemoryStream([1]), default);
        }

        var listed = await store.ListAsync(null, default).Select(e => e.Key).ToListAsync();
        var after = await store.ListAsync("ctl\u0001key", default).Select(e => e.Key).ToListAsync();

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
        Assert.Equal(keys.Order(StringComparer.Ordinal).SkipWhile(k => k != "ctl\u0001key").Skip(1), after);
    }

    [Fact]
    public async Task CopyFromAsync_SourceChangedSinceListing_IsNotFound()
    {
        await using var store = await fixture.OpenAsync();
        await store.WriteAsync(new WriteRequest("changes", 1), new MemoryStream([1]), default);
        var listed = await store.ListAsync(null, default).SingleAsync();
        await store.WriteAsync(new WriteRequest("changes", 1), new MemoryStream([2]), default);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.CopyFromAsync(store, listed, "copy", default));

        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task OpenReadAsync_ObjectReplacedMidRead_IsNotFoundNotMixedContent()
    {
        await using var store = await fixture.OpenAsync(options: SmallParts);
        var first = TestData.Bytes(64 * KiB * 16, 11);
        await store.WriteAsync(new WriteRequest("replaced.bin", first.Length), new MemoryStream(first), default);

        await using var read = await store.OpenReadAsync("replaced.bin", 0, null, default);
        var buffer = new byte[64 * KiB];
        await read.ReadExactlyAsync(buffer);
        var second = TestData.Bytes(first.Length, 12);
        await store.WriteAsync(new WriteRequest("replaced.bin", second.Length), new MemoryStream(second), default);

        var error = await Assert.ThrowsAsync<StoreException>(() => TestData.ReadAllAsync(read));
        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task OpenReadAsync_ParallelStreamDisposedEarly_StopsCleanly()
    {
        await using var store = await fixture.OpenAsync(options: SmallParts);
        var content = TestData.Bytes(64 * KiB * 12, 10);
        await store.WriteAsync(new WriteRequest("early.bin", content.Length), new MemoryStream(content), default);

        var buffer = new byte[1000];
        await using (var read = await store.OpenReadAsync("early.bin", 0, null, default))
        {
            await read.ReadExactlyAsync(buffer);
        }

        using (var read = await store.OpenReadAsync("early.bin", 0, null, default))
        {
            await read.ReadExactlyAsync(buffer);
        }

        Assert.Equal(content[..1000], buffer);
    }

    [Fact]
    public async Task Mtime_RcloneReadsOursAndWeReadRclones()
    {
        var rclone = FindOnPath("rclone");
        if (rclone is null)
        {
            // scripts/install-test-deps.sh installs rclone, so CI always has it: missing there is a
            // broken setup, not a pass. A developer machine without it skips the peer check (the
            // format itself is pinned by WriteAsync_Mtime_IsStoredInRcloneFormatAndRoundTrips).
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "rclone is not installed (scripts/install-test-deps.sh installs it)");
            return;
        }

        const string Prefix = "rclone/";
        await using var store = await fixture.OpenAsync(prefix: Prefix);
        var mtime = DateTimeOffset.FromUnixTimeSeconds(1_650_000_000).AddTicks(4_200_000);
        await store.WriteAsync(new WriteRequest("ours.txt", 3) { LastModified = mtime }, new MemoryStream([1, 2, 3]), default);
        var local = Path.Combine(Path.GetTempPath(), $"hs-rclone-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(local, "theirs");
        var theirMtime = DateTimeOffset.FromUnixTimeSeconds(1_600_000_123);
        File.SetLastWriteTimeUtc(local, theirMtime.UtcDateTime);
        try
        {
            await RunRcloneAsync(rclone, "copyto", local, $"hs:{fixture.Bucket}/{Prefix}theirs.txt");
            var listing = await RunRcloneAsync(rclone, "lsjson", $"hs:{fixture.Bucket}/{Prefix}ours.txt");

            using var json = JsonDocument.Parse(listing);
            var modTime = DateTimeOffset.Parse(json.RootElement[0].GetProperty("ModTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(mtime, modTime);
            Assert.Equal(theirMtime, (await store.StatAsync("theirs.txt", default))?.LastModified);
        }
        finally
        {
            File.Delete(local);
        }
    }

    private async Task<string> RunRcloneAsync(string rclone, params string[] args)
    {
        var start = new ProcessStartInfo(rclone, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("AWS_CA_BUNDLE"); // rclone refuses a CA bundle on a plain-http endpoint
        start.Environment["RCLONE_CONFIG_HS_TYPE"] = "s3";
        start.Environment["RCLONE_CONFIG_HS_PROVIDER"] = "Ceph";
        start.Environment["RCLONE_CONFIG_HS_ENDPOINT"] = fixture.Server.Endpoint;
        start.Environment["RCLONE_CONFIG_HS_ACCESS_KEY_ID"] = fixture.Server.AccessKey;
        start.Environment["RCLONE_CONFIG_HS_SECRET_ACCESS_KEY"] = (await fixture.Server.Credentials.GetCredentialsAsync()).SecretKey;
        start.Environment["RCLONE_CONFIG"] = "/dev/null";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"rclone {args[0]} failed: {await stderr}");
        return await stdout;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
