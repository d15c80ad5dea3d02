using HeavySync.Cli.Hosting;
using HeavySync.Engine;
using HeavySync.Local;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Tests.Cli;

/// <summary>
/// <see cref="RunResources"/> opens a sync's state and stores side by side (a real SQLite state and
/// real local stores here; a failing open is injected): the error reported is the one a
/// one-at-a-time open would have reported, and nothing that opened stays open.
/// </summary>
public sealed class RunResourcesTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly List<string> closed = [];

    [Fact]
    public async Task OpenAsync_AllOpen_GivesThemAndClosesThemInReverseOrder()
    {
        var resources = await RunResources.OpenAsync(OpenStateAsync(), () => OpenStoreAsync("source"), () => OpenStoreAsync("destination"));

        Assert.Equal(Path.Combine(directory.Path, "source"), resources.Source.Location.TrimEnd('/'));
        Assert.Equal(Path.Combine(directory.Path, "destination"), resources.Destination.Location.TrimEnd('/'));
        Assert.NotNull(await resources.State.GetOrCreateJobAsync("a", "b", CancellationToken.None));
        Assert.Empty(closed);

        await resources.DisposeAsync();

        Assert.Equal(["destination", "source", "state"], closed);
    }

    [Fact]
    public async Task StartStateOpen_RunsOffThePool()
    {
        // SQLite's open blocks its thread: on a pool thread it would keep a store's open waiting.
        bool? onPool = null;
        var state = RunResources.StartStateOpen(() =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            return OpenStateAsync();
        });

        await (await state).DisposeAsync();

        Assert.False(onPool);
        Assert.Equal(["state"], closed);
    }

    [Fact]
    public async Task OpenAsync_SourceFails_ThrowsItsErrorAndClosesStateAndDestination()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => RunResources.OpenAsync(
            OpenStateAsync(),
            () => FailAsync("bucket 'src' does not exist"),
            () => OpenStoreAsync("destination")));

        Assert.Equal("bucket 'src' does not exist", error.Message);
        Assert.Equal(["destination", "state"], closed);
    }

    [Fact]
    public async Task OpenAsync_StateAndDestinationFail_ReportsTheStateFirst_AndClosesTheSource()
    {
        // The destination fails first in time; the state's error is still the one reported.
        var state = FailLaterAsync();

        var error = await Assert.ThrowsAsync<StateStoreException>(() => RunResources.OpenAsync(
            state,
            () => OpenStoreAsync("source"),
            () => Task.FromException<IObjectStore>(new StoreException(StoreErrorKind.Fatal, "bucket 'dst' does not exist"))));

        Assert.Equal("the state file is not a HeavySync database", error.Message);
        Assert.Equal(["source"], closed);
    }

    [Fact]
    public async Task OpenAsync_Cancelled_ClosesWhatOpened()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunResources.OpenAsync(
            OpenStateAsync(),
            () => OpenStoreAsync("source"),
            () => Task.FromCanceled<IObjectStore>(cancel.Token)));

        Assert.Equal(["source", "state"], closed);
    }

    [Fact]
    public async Task OpenAsync_WithStart_TakesItBesideTheStoreOpens_AndReleasesItFirst()
    {
        var state = await OpenStateAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The source's open waits for the start: taken only after the opens, it would never come.
        var resources = await RunResources.OpenAsync(
            Task.FromResult(state),
            async () =>
            {
                await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
                return await OpenStoreAsync("source");
            },
            () => OpenStoreAsync("destination"),
            async s =>
            {
                var start = await SyncEngine.StartAsync(s, Path.Combine(directory.Path, "source"), Path.Combine(directory.Path, "destination"), dryRun: false, CancellationToken.None);
                started.SetResult();
                return start;
            });

        var job = resources.Started!.Job;
        Assert.Equal(resources.Source.Location, job.Source);
        Assert.Null(await state.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None));
        await resources.Started.DisposeAsync();
        await using (var relocked = await state.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None))
        {
            Assert.NotNull(relocked);
        }

        await resources.DisposeAsync();
        Assert.Equal(["destination", "source", "state"], closed);
    }

    [Fact]
    public async Task OpenAsync_SourceFailsAfterTheStart_ReportsTheSource_AndReleasesTheStartsLock()
    {
        var path = Path.Combine(directory.Path, "shared.db");
        var error = await Assert.ThrowsAsync<StoreException>(() => RunResources.OpenAsync(
            SqliteStateStore.OpenAsync(path, CancellationToken.None).ContinueWith(t => (IStateStore)t.Result, TaskScheduler.Default),
            () => FailLaterAsync("bucket 'src' does not exist"),
            () => OpenStoreAsync("destination"),
            s => SyncEngine.StartAsync(s, "s3://src/", "s3://dst/", dryRun: false, CancellationToken.None)));

        Assert.Equal("bucket 'src' does not exist", error.Message);
        await using var state = await SqliteStateStore.OpenAsync(path, CancellationToken.None);
        var job = Assert.Single(await state.ListJobsAsync(CancellationToken.None));
        await using var relocked = await state.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None);
        Assert.NotNull(relocked);
    }

    [Fact]
    public async Task OpenAsync_StartAndSourceFail_ReportsTheSource()
    {
        // A missing bucket is reported, not the lock another sync of the job holds.
        var error = await Assert.ThrowsAsync<StoreException>(() => RunResources.OpenAsync(
            OpenStateAsync(),
            () => FailLaterAsync("bucket 'src' does not exist"),
            () => OpenStoreAsync("destination"),
            _ => Task.FromException<RunStart>(new StateStoreException("another sync or lister of this job is running"))));

        Assert.Equal("bucket 'src' does not exist", error.Message);
        Assert.Equal(["destination", "state"], closed);
    }

    [Fact]
    public async Task CloseIfOpenedAsync_ClosesAnOpenedOne_AndIgnoresAFailedOne()
    {
        await RunResources.CloseIfOpenedAsync(OpenStateAsync());
        await RunResources.CloseIfOpenedAsync(Task.FromException<IStateStore>(new StateStoreException("no")));

        Assert.Equal(["state"], closed);
    }

    private async Task<IStateStore> OpenStateAsync()
    {
        var store = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, $"{Guid.NewGuid():N}.db"), CancellationToken.None);
        return Logged<IStateStore>(store, "state");
    }

    private async Task<IObjectStore> OpenStoreAsync(string name)
    {
        // Opening takes a moment, as a real store's probe does, so the three overlap.
        await Task.Delay(20);
        var path = Path.Combine(directory.Path, name);
        Directory.CreateDirectory(path);
        IObjectStore store = new LocalFileStore(path, new LocalStoreOptions(), NullLogger<LocalFileStore>.Instance);
        return Logged(store, name);
    }

    private static async Task<IStateStore> FailLaterAsync()
    {
        await Task.Delay(100);
        throw new StateStoreException("the state file is not a HeavySync database");
    }

    private static async Task<IObjectStore> FailLaterAsync(string message)
    {
        await Task.Delay(100);
        throw new StoreException(StoreErrorKind.Fatal, message);
    }

    private static async Task<IObjectStore> FailAsync(string message)
    {
        await Task.Delay(5);
        throw new StoreException(StoreErrorKind.Fatal, message);
    }

    public void Dispose() => directory.Dispose();

    /// <summary>A real store or state that notes its name in <see cref="closed"/> when it is closed.</summary>
    private T Logged<T>(T inner, string name)
        where T : class =>
        CallWatch.Wrap(inner, (method, _) =>
        {
            if (method.Name == nameof(IAsyncDisposable.DisposeAsync))
            {
                lock (closed)
                {
                    closed.Add(name);
                }
            }
        });
}
