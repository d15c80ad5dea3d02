using HeavySync.Engine;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// A sync's state and its two stores, opened at the same time. Each pays a first-use cost that is
/// mostly CPU: SQLite and its schema check, the AWS SDK's first request (endpoint rules, signer,
/// HTTP stack), a bucket probe. One after another they were about a third of a second before the
/// first listing request; side by side, on two cores, about a quarter less. The run's start (job,
/// lock, run records) can be taken beside the stores too, as soon as the state is open.
/// Disposed in the reverse order of opening (start, destination, source, state), as nested
/// <c>await using</c> declarations would be.
/// </summary>
internal sealed class RunResources : IAsyncDisposable
{
    private RunResources(IStateStore state, IObjectStore source, IObjectStore destination, RunStart? started)
    {
        State = state;
        Source = source;
        Destination = destination;
        Started = started;
    }

    public IStateStore State { get; }

    public IObjectStore Source { get; }

    public IObjectStore Destination { get; }

    /// <summary>What the <c>start</c> given to <see cref="OpenAsync"/> took; null without one.</summary>
    public RunStart? Started { get; }

    /// <summary>
    /// Starts opening the state on a thread of its own. SQLite opens, checks and migrates its file
    /// synchronously (tens of milliseconds of CPU and file I/O): on a pool thread that would hold one
    /// of the pool's few threads (one per core) and keep a store's open from starting until it ends.
    /// </summary>
    public static Task<IStateStore> StartStateOpen(Func<Task<IStateStore>> open) =>
        Task.Factory.StartNew(open, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>
    /// Waits for <paramref name="state"/> (already opening) and opens both stores beside it; once the
    /// state is open, <paramref name="start"/> (when given) takes the run's start beside the stores.
    /// When any fails, whatever did open is closed again and the first failure, in the order state,
    /// source, destination, start, is thrown: the same error a one-at-a-time open would have
    /// reported (a missing bucket, not the lock a concurrent sync holds).
    /// </summary>
    public static async Task<RunResources> OpenAsync(Task<IStateStore> state, Func<Task<IObjectStore>> source, Func<Task<IObjectStore>> destination, Func<IStateStore, Task<RunStart>>? start = null)
    {
        var opening = (Source: Task.Run(source), Destination: Task.Run(destination));
        var starting = start is null ? Task.FromResult<RunStart>(null!) : StartAfterAsync(state, start);
        try
        {
            await Task.WhenAll(state, opening.Source, opening.Destination, starting).ConfigureAwait(false);
        }
        catch
        {
            // Wait for all four (WhenAll did), close what opened, report the first failure.
            await CloseIfOpenedAsync(starting).ConfigureAwait(false);
            await CloseIfOpenedAsync(opening.Destination).ConfigureAwait(false);
            await CloseIfOpenedAsync(opening.Source).ConfigureAwait(false);
            await CloseIfOpenedAsync(state).ConfigureAwait(false);
            var first = new Task[] { state, opening.Source, opening.Destination, starting }.First(t => !t.IsCompletedSuccessfully);
            await first.ConfigureAwait(false); // rethrows its failure
            throw;
        }

        return new RunResources(state.Result, opening.Source.Result, opening.Destination.Result, start is null ? null : starting.Result);
    }

    private static async Task<RunStart> StartAfterAsync(Task<IStateStore> state, Func<IStateStore, Task<RunStart>> start) =>
        await start(await state.ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>Closes what <paramref name="opening"/> opened, once it has finished; a failed or
    /// cancelled open leaves nothing to close.</summary>
    public static async Task CloseIfOpenedAsync<T>(Task<T> opening)
        where T : IAsyncDisposable
    {
        try
        {
            await opening.ConfigureAwait(false);
        }
        catch
        {
            // Its failure is reported by whoever awaits it for its result.
            return;
        }

        if (opening.Result is { } opened)
        {
            await opened.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Started is not null)
            {
                await Started.DisposeAsync().ConfigureAwait(false);
            }

            await Destination.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await Source.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await State.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
