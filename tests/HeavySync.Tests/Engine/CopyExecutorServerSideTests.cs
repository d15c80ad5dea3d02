using HeavySync.Copy;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Tests.Engine;

/// <summary>Verification of server-side copies: size, then every hash both sides report (a composite
/// GCS object has crc32c only), and the destination expectation handed to the store.</summary>
public sealed class CopyExecutorServerSideTests
{
    [Fact]
    public async Task CopyAsync_ServerSideCopyWithAnotherCrc32c_IsNotAcceptedOnSizeAlone()
    {
        var source = new ServerSideStore(new ObjectEntry("k", 10) { Crc32c = 111u });
        var destination = new ServerSideStore(null) { Answer = entry => entry with { Crc32c = 222u } };
        var executor = new CopyExecutor(source, destination, maxAttempts: 2);

        var error = await Assert.ThrowsAsync<StoreException>(() => executor.CopyAsync(Task(source.Entry!), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("checksum mismatch after server-side copy", error.Message);
        Assert.Equal(2, destination.Copies.Count);
    }

    [Fact]
    public async Task CopyAsync_ServerSideCopyWithTheSameCrc32c_IsDoneAndPassesTheExpectation()
    {
        var source = new ServerSideStore(new ObjectEntry("k", 10) { Crc32c = 111u, Version = "5" });
        var destination = new ServerSideStore(null) { Answer = entry => entry with { Version = "9" } };
        var executor = new CopyExecutor(source, destination);
        var task = Task(source.Entry!) with { ExpectedDestination = ExpectedDestination.Absent };

        var outcome = await executor.CopyAsync(task, CancellationToken.None);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal(111u, outcome.Ledger!.Crc32c);
        Assert.Equal(ExpectedDestination.Absent, Assert.Single(destination.Copies));
    }

    private static WorkTask Task(ObjectEntry entry) => new(1, entry.Key, entry.Size, Fingerprint.Of(entry), TaskAction.Copy);

    /// <summary>A store that answers stats with one entry and copies server-side by answering what <see cref="Answer"/> makes of the source entry.</summary>
    private sealed class ServerSideStore(ObjectEntry? entry) : IObjectStore, IServerSideCopy
    {
        public ObjectEntry? Entry { get; } = entry;

        public Func<ObjectEntry, ObjectEntry> Answer { get; init; } = e => e;

        public List<ExpectedDestination?> Copies { get; } = [];

        public string Location => "test://store";

        public StoreCapabilities Capabilities { get; } = new() { ServerSideCopy = true, ChecksumKinds = ChecksumKinds.Crc32c };

        public bool CanCopyFrom(IObjectStore source) => true;

        public Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken) =>
            CopyFromAsync(source, sourceEntry, destinationKey, null, cancellationToken);

        public Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, ExpectedDestination? expected, CancellationToken cancellationToken)
        {
            Copies.Add(expected);
            return System.Threading.Tasks.Task.FromResult(Answer(sourceEntry));
        }

        public IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken) => System.Threading.Tasks.Task.FromResult(Entry);

        public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
