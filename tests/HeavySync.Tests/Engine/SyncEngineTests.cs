using HeavySync.Cli.Hosting;
using HeavySync.Engine;
using HeavySync.Finalizing;
using HeavySync.Local;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Tests.Engine;

/// <summary>The one-machine engine over real local stores and real SQLite state, with injected read faults.</summary>
public sealed class SyncEngineTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "hs-engine-" + Guid.NewGuid().ToString("N")[..8]);
    private IStateStore state = null!;

    private string Src => Path.Combine(root, "src");

    private string Dst => Path.Combine(root, "dst");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Src);
        Directory.CreateDirectory(Dst);
        state = await SqliteStateStore.OpenAsync(Path.Combine(root, "state.db"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await state.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Run_PermanentReadFailure_OtherObjectsCopiedAndNothingDeleted()
    {
        Write(Src, "good.txt", "good");
        Write(Src, "bad.txt", "bad");
        Write(Dst, "stale.txt", "stale");
        await using var source = new FaultyStore(Open(Src));
        source.FailReads("bad.txt", StoreErrorKind.Permanent);

        var result = await RunAsync(source, new SyncOptions { MaxDelete = DeleteCap.Default });

        Assert.Equal(SyncOutcome.Failures, result.Outcome);
        Assert.True(File.Exists(Path.Combine(Dst, "good.txt")));
        Assert.True(File.Exists(Path.Combine(Dst, "stale.txt")), "deleted despite a failed copy (invariant 1)");
        Assert.Contains(result.Report, line => line.Contains("not deleting 1", StringComparison.Ordinal));
        Assert.Equal("bad.txt", Assert.Single(result.FailedTasks).Key);
        Assert.Contains("injected Permanent", result.FailedTasks[0].Error);
    }

    [Fact]
    public async Task Run_EndsOnceTheLastCopySettles_WithoutAnotherReceiveOnTheEmptyQueue()
    {
        for (var i = 0; i < 5; i++)
        {
            Write(Src, $"f{i}.txt", $"content {i}");
        }

        await using var source = Open(Src);
        // Slow writes: the plan is published (one message) long before the copies settle.
        await using var destination = new DelayInjectingStore(Open(Dst), TimeSpan.Zero, TimeSpan.FromMilliseconds(300), TimeSpan.Zero);
        await using var queue = new WatchedQueue(new InProcessWorkQueue(new InProcessQueueOptions()));
        var engine = new SyncEngine(state, NullLoggerFactory.Instance, sharedQueue: queue);

        var result = await engine.RunAsync(source, destination, new SyncOptions(), new SyncProgress(), CancellationToken.None);

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.Equal(5, Directory.GetFiles(Dst).Length);
        Assert.Equal(1, queue.Published);
        Assert.Equal(1, queue.Acked);
        // Every message acknowledged and the plan published: another receive could only wait out
        // its long poll on an empty queue (a second here) before the run noticed it was done.
        Assert.Equal(0, queue.ReceivesAfterEverythingAcked);
    }

    [Fact]
    public async Task Run_TransientFailuresThatClear_RetriedAndInSync()
    {
        Write(Src, "flaky.txt", "eventually");
        await using var source = new FaultyStore(Open(Src));
        source.FailReads("flaky.txt", StoreErrorKind.Transient, times: 4);

        var result = await RunAsync(source, new SyncOptions());

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.Equal("eventually", File.ReadAllText(Path.Combine(Dst, "flaky.txt")));
        Assert.Equal(5, source.ReadAttempts);
    }

    [Fact]
    public async Task Run_TransientFailuresThatNeverClear_FailAfterMaxDeliveries()
    {
        Write(Src, "broken.txt", "never");
        await using var source = new FaultyStore(Open(Src));
        source.FailReads("broken.txt", StoreErrorKind.Transient);

        var result = await RunAsync(source, new SyncOptions { MaxDeliveries = 2 });

        Assert.Equal(SyncOutcome.Failures, result.Outcome);
        Assert.Contains("gave up after 2 attempts", Assert.Single(result.FailedTasks).Error);
    }

    [Fact]
    public async Task Run_SourceVanishedAfterListing_SkippedNotFailed()
    {
        Write(Src, "here.txt", "here");
        Write(Src, "gone.txt", "gone");
        await using var source = new FaultyStore(Open(Src));
        source.VanishAfterListing("gone.txt");

        var result = await RunAsync(source, new SyncOptions());

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.Equal(1, result.Counters!.CopyVanished);
        Assert.False(File.Exists(Path.Combine(Dst, "gone.txt")));
    }

    [Fact]
    public async Task Run_FatalError_StopsAndTheNextRunResumesTheSameRun()
    {
        // More tasks than the in-process queue holds, so the publisher is still waiting for room
        // when the copier dies: the run must stop, not hang.
        Write(Src, "a-fatal.txt", "first in key order");
        for (var i = 0; i < 3_000; i++)
        {
            Write(Src, $"f{i}.txt", $"content {i}");
        }

        await using (var failing = new FaultyStore(Open(Src)))
        {
            failing.FailReads("a-fatal.txt", StoreErrorKind.Fatal);
            var run = RunAsync(failing, new SyncOptions { Concurrency = 1 });
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(finished == run, "the run hung after a fatal error");
            await Assert.ThrowsAsync<StoreException>(() => run);
        }

        await using var source = Open(Src);
        var result = await RunAsync(source, new SyncOptions());

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.Equal(3_001, Directory.GetFiles(Dst).Length);
        var job = Assert.Single(await state.ListJobsAsync(CancellationToken.None));
        Assert.Single(await state.ListRunsAsync(job.Id, 10, CancellationToken.None));
    }

    [Fact]
    public async Task StartAsync_ThenRunAsync_RunsTheStartedRun_AndTheLockIsHeldUntilTheStartIsDisposed()
    {
        Write(Src, "a.txt", "a");
        await using var source = Open(Src);
        await using var destination = Open(Dst);
        var engine = new SyncEngine(state, NullLoggerFactory.Instance);

        SyncResult result;
        await using (var start = await SyncEngine.StartAsync(state, Src, Dst, dryRun: false, CancellationToken.None))
        {
            var refused = await Assert.ThrowsAsync<StateStoreException>(() => SyncEngine.StartAsync(state, Src, Dst, dryRun: false, CancellationToken.None));
            Assert.Contains("another sync or lister of this job", refused.Message, StringComparison.Ordinal);

            result = await engine.RunAsync(start, source, destination, new SyncOptions(), new SyncProgress(), CancellationToken.None);
            Assert.Equal(start.Run.Id, result.RunId);
            Assert.Null(await state.TryLockJobAsync(start.Job.Id, JobLockKind.Lister, CancellationToken.None));
        }

        Assert.Equal(SyncOutcome.InSync, result.Outcome);
        Assert.True(File.Exists(Path.Combine(Dst, "a.txt")));
        await using var again = await state.TryLockJobAsync(result.JobId, JobLockKind.Lister, CancellationToken.None);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task RunAsync_StartOfAnotherJobOrMode_IsRefusedBeforeAnythingRuns()
    {
        Write(Src, "a.txt", "a");
        await using var source = Open(Src);
        await using var destination = Open(Dst);
        var engine = new SyncEngine(state, NullLoggerFactory.Instance);

        await using (var other = await SyncEngine.StartAsync(state, Src, Dst + "-other", dryRun: false, CancellationToken.None))
        {
            await Assert.ThrowsAsync<ArgumentException>(() => engine.RunAsync(other, source, destination, new SyncOptions(), new SyncProgress(), CancellationToken.None));
        }

        await using (var dry = await SyncEngine.StartAsync(state, Src, Dst, dryRun: true, CancellationToken.None))
        {
            await Assert.ThrowsAsync<ArgumentException>(() => engine.RunAsync(dry, source, destination, new SyncOptions(), new SyncProgress(), CancellationToken.None));
        }

        Assert.False(File.Exists(Path.Combine(Dst, "a.txt")));
    }

    private async Task<SyncResult> RunAsync(IObjectStore source, SyncOptions options)
    {
        await using var destination = Open(Dst);
        var engine = new SyncEngine(state, NullLoggerFactory.Instance);
        return await engine.RunAsync(source, destination, options, new SyncProgress(), CancellationToken.None);
    }

    private static LocalFileStore Open(string path) =>
        new(path, new LocalStoreOptions { RootMustExist = true }, NullLogger<LocalFileStore>.Instance);

    private static void Write(string dir, string name, string content) => File.WriteAllText(Path.Combine(dir, name), content);
}
