using System.Diagnostics;
using HeavySync.State;
using HeavySync.State.Sqlite;

namespace HeavySync.Tests.State;

/// <summary>
/// The SQLite store's job locks against another process: util-linux <c>flock(1)</c> takes the same
/// kernel lock, so these prove the lock is a real OS lock shared across processes and that a killed
/// holder's lock dies with it.
/// </summary>
public sealed class SqliteJobLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("heavysync-lock-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TryLockJob_AnotherProcessHoldsIt_ReturnsNullUntilThatProcessIsKilled()
    {
        await using var store = await SqliteStateStore.OpenAsync(Path.Combine(_directory, "s.db"), CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var path = store.JobLockPath(job.Id, JobLockKind.Lister);
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", path, "sleep", "60"]))!;
        try
        {
            await WaitUntilAsync(async () => !await CanTakeWithFlockCliAsync(path));

            Assert.Null(await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None));
            await using (var finalizer = await store.TryLockJobAsync(job.Id, JobLockKind.Finalizer, CancellationToken.None))
            {
                Assert.NotNull(finalizer);
            }

            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();

            // flock's child (sleep) holds the descriptor too and may outlive flock by a moment.
            IAsyncDisposable? taken = null;
            await WaitUntilAsync(async () => (taken = await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None)) is not null);
            await taken!.DisposeAsync();
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task TryLockJob_Held_OtherProcessCannotTakeItUntilDisposed()
    {
        await using var store = await SqliteStateStore.OpenAsync(Path.Combine(_directory, "s.db"), CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var path = store.JobLockPath(job.Id, JobLockKind.Finalizer);

        var held = await store.TryLockJobAsync(job.Id, JobLockKind.Finalizer, CancellationToken.None);
        Assert.NotNull(held);
        var whileHeld = await CanTakeWithFlockCliAsync(path);
        await held.DisposeAsync();
        var afterRelease = await CanTakeWithFlockCliAsync(path);

        Assert.False(whileHeld);
        Assert.True(afterRelease);
    }

    [Fact]
    public async Task TryLockJob_TwoStoresOnOneFile_ExcludeEachOther()
    {
        var path = Path.Combine(_directory, "s.db");
        await using var first = await SqliteStateStore.OpenAsync(path, CancellationToken.None);
        await using var second = await SqliteStateStore.OpenAsync(path, CancellationToken.None);
        var job = await first.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);

        await using (var held = await first.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None))
        {
            Assert.NotNull(held);
            Assert.Null(await second.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None));
        }

        await using var taken = await second.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None);
        Assert.NotNull(taken);
    }

    /// <summary>Whether flock(1), in its own process, can take the lock without waiting.</summary>
    private static async Task<bool> CanTakeWithFlockCliAsync(string path)
    {
        using var probe = Process.Start(new ProcessStartInfo("flock", ["--nonblock", "--exclusive", path, "true"]))!;
        await probe.WaitForExitAsync();
        return probe.ExitCode == 0;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "condition not reached in 10 s");
            await Task.Delay(20);
        }
    }
}
