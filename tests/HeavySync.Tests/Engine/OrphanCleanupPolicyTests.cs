using HeavySync.Engine;
using HeavySync.Local;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using HeavySync.Tests.Copy;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Tests.Engine;

/// <summary>
/// Which incomplete uploads each mode lets the destination abort (a one-machine sync is the sole
/// writer; a lister or a sync on a shared queue is not), the job lock that makes "sole" true, and a
/// destination that loses its uploads failing the run instead of passing for "vanished".
/// </summary>
public sealed class OrphanCleanupPolicyTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "hs-orphans-" + Guid.NewGuid().ToString("N")[..8]);
    private IStateStore state = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(root, "src"));
        Directory.CreateDirectory(Path.Combine(root, "dst"));
        File.WriteAllText(Path.Combine(root, "src", "a.txt"), "a");
        state = await SqliteStateStore.OpenAsync(Path.Combine(root, "state.db"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await state.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task SyncEngine_InProcessQueue_CleansUpAsSoleWriter()
    {
        await using var source = Local("src");
        await using var destination = new ScriptedStore(Local("dst"));

        var result = await new SyncEngine(state, NullLoggerFactory.Instance).RunAsync(source, destination, new SyncOptions(), new SyncProgress(), default);

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.True(Assert.Single(destination.CleanupPolicies).IsSoleWriter);
    }

    [Fact]
    public async Task SyncEngine_SharedQueue_SparesUploadsThatCopiersElsewhereMayOwn()
    {
        await using var source = Local("src");
        await using var destination = new ScriptedStore(Local("dst"));
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions());

        var result = await new SyncEngine(state, NullLoggerFactory.Instance, sharedQueue: queue).RunAsync(source, destination, new SyncOptions(), new SyncProgress(), default);

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        var policy = Assert.Single(destination.CleanupPolicies);
        Assert.False(policy.IsSoleWriter);
        Assert.Equal(OrphanUploadPolicy.DefaultIdle, policy.IdleFor);
    }

    [Fact]
    public async Task ListerRole_CleansUpOnlyLongIdleUploads()
    {
        await using var source = Local("src");
        var destination = new ScriptedStore(Local("dst"));
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions());
        var job = await state.GetOrCreateJobAsync(source.Location, destination.Location, default);
        await using var context = new JobContext(job, source, destination, new SyncOptions());

        var result = await new ListerRole(state, queue, NullLoggerFactory.Instance).RunAsync(context, new SyncProgress(), default);

        Assert.Equal(ListerOutcome.Published, result.Outcome);
        var policy = Assert.Single(destination.CleanupPolicies);
        Assert.False(policy.IsSoleWriter);
        Assert.Equal(OrphanUploadPolicy.DefaultIdle, policy.IdleFor);
    }

    [Fact]
    public async Task SyncEngine_JobLockedByAnotherProcess_RefusedBeforeTouchingTheDestination()
    {
        await using var source = Local("src");
        await using var destination = new ScriptedStore(Local("dst"));
        var job = await state.GetOrCreateJobAsync(source.Location, destination.Location, default);
        await using var other = await state.TryLockJobAsync(job.Id, JobLockKind.Lister, default);
        Assert.NotNull(other);

        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            new SyncEngine(state, NullLoggerFactory.Instance).RunAsync(source, destination, new SyncOptions(), new SyncProgress(), default));

        Assert.Contains("another sync or lister of this job", error.Message, StringComparison.Ordinal);
        Assert.Empty(destination.CleanupPolicies);
        Assert.Equal(0, destination.Writes);
    }

    [Fact]
    public async Task SyncEngine_DestinationKeepsLosingItsUpload_RunFailsInsteadOfSkippingTheObject()
    {
        await using var source = Local("src");
        await using var destination = new ScriptedStore(Local("dst"));
        destination.FailNextWrites(() => new StoreException(StoreErrorKind.NotFound, "PUT s3://b/a.txt part 1: NoSuchUpload"), times: 100);

        var result = await new SyncEngine(state, NullLoggerFactory.Instance).RunAsync(source, destination, new SyncOptions { MaxDeliveries = 2 }, new SyncProgress(), default);

        Assert.Equal(SyncOutcome.Failures, result.Outcome);
        Assert.Equal("a.txt", Assert.Single(result.FailedTasks).Key);
        Assert.Equal(0, result.Counters!.CopyVanished);
    }

    private LocalFileStore Local(string name) =>
        new(Path.Combine(root, name), new LocalStoreOptions { RootMustExist = true }, NullLogger<LocalFileStore>.Instance);
}
