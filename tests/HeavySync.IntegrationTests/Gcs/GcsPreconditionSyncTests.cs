using System.Runtime.CompilerServices;
using HeavySync.Engine;
using HeavySync.Finalizing;
using HeavySync.Local;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>
/// A whole sync (engine, SQLite state, planner) into a GCS bucket on the emulator, with another
/// writer changing the destination between the listing and the copy or the delete: the plan's
/// expectation travels to the store, whose generation precondition keeps the other writer's object.
/// </summary>
public sealed class GcsPreconditionSyncTests(GcsFixture fixture) : IClassFixture<GcsFixture>, IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "hs-gcs-pre-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sync_KeyWrittenByAnotherWriterAfterTheListing_FailsThatCopyAndKeepsTheirObject()
    {
        var bucket = await fixture.CreateBucketAsync();
        var src = Directory.CreateDirectory(Path.Combine(root, "src")).FullName;
        await File.WriteAllTextAsync(Path.Combine(src, "contested.txt"), "ours");
        await File.WriteAllTextAsync(Path.Combine(src, "plain.txt"), "plain");
        await using var gcs = await fixture.OpenAsync(bucket);
        await using var destination = new ConcurrentWriter(gcs) { BeforeWrite = "contested.txt" };

        var result = await RunAsync(src, destination);

        Assert.Equal(SyncOutcome.Failures, result.Outcome);
        var failed = Assert.Single(result.FailedTasks);
        Assert.Equal("contested.txt", failed.Key);
        Assert.Contains("changed since the listing", failed.Error);
        Assert.Equal("theirs", await ReadAsync(gcs, "contested.txt"));
        Assert.Equal("plain", await ReadAsync(gcs, "plain.txt"));
    }

    [Fact]
    public async Task Sync_DestinationOnlyKeyRecreatedBeforeTheDelete_LeavesItInPlace()
    {
        var bucket = await fixture.CreateBucketAsync();
        var src = Directory.CreateDirectory(Path.Combine(root, "src")).FullName;
        await File.WriteAllTextAsync(Path.Combine(src, "keep.txt"), "keep");
        await using var gcs = await fixture.OpenAsync(bucket);
        await gcs.WriteAsync(new WriteRequest("orphan.txt", 3), new MemoryStream("old"u8.ToArray()), CancellationToken.None);
        await gcs.WriteAsync(new WriteRequest("stale.txt", 5), new MemoryStream("stale"u8.ToArray()), CancellationToken.None);
        await using var destination = new ConcurrentWriter(gcs) { BeforeDelete = "orphan.txt" };

        var result = await RunAsync(src, destination);

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.Contains(result.Report, line => line.Contains("deleted 1 objects, 1 left in place (changed since the listing)", StringComparison.Ordinal));
        Assert.Equal("theirs", await ReadAsync(gcs, "orphan.txt"));
        Assert.Null(await gcs.StatAsync("stale.txt", CancellationToken.None));
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task<SyncResult> RunAsync(string src, IObjectStore destination)
    {
        await using var state = await SqliteStateStore.OpenAsync(Path.Combine(root, "state.db"), CancellationToken.None);
        await using var source = new LocalFileStore(src, new LocalStoreOptions { RootMustExist = true }, NullLogger<LocalFileStore>.Instance);
        var engine = new SyncEngine(state, NullLoggerFactory.Instance);
        return await engine.RunAsync(source, destination, new SyncOptions { MaxDelete = DeleteCap.Default }, new SyncProgress(), CancellationToken.None);
    }

    private static async Task<string> ReadAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, 0, null, CancellationToken.None);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    /// <summary>Fault injection: another writer puts "theirs" at a key just before this sync writes or deletes it.</summary>
    private sealed class ConcurrentWriter(HeavySync.Google.Storage.GcsObjectStore inner) : IObjectStore, IConditionalDelete
    {
        public string? BeforeWrite { get; init; }

        public string? BeforeDelete { get; init; }

        public string Location => inner.Location;

        public StoreCapabilities Capabilities => inner.Capabilities;

        public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var entry in inner.ListAsync(startAfter, cancellationToken))
            {
                yield return entry;
            }
        }

        public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken) => inner.StatAsync(key, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) => inner.OpenReadAsync(key, offset, length, cancellationToken);

        public async Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
        {
            if (request.Key == BeforeWrite)
            {
                await TheirsAsync(request.Key, cancellationToken);
            }

            return await inner.WriteAsync(request, content, cancellationToken);
        }

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        public async Task<bool> DeleteIfUnchangedAsync(string key, ExpectedDestination expected, CancellationToken cancellationToken)
        {
            if (key == BeforeDelete)
            {
                await Task.Delay(10, cancellationToken); // the emulator's generations are millisecond clocks
                await TheirsAsync(key, cancellationToken);
            }

            return await inner.DeleteIfUnchangedAsync(key, expected, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private Task<ObjectEntry> TheirsAsync(string key, CancellationToken cancellationToken) =>
            inner.WriteAsync(new WriteRequest(key, 6), new MemoryStream("theirs"u8.ToArray()), cancellationToken);
    }
}
