using HeavySync.State;

namespace HeavySync.Engine;

/// <summary>
/// A sync's job, its open run and the job's lister lock, as
/// <see cref="SyncEngine.StartAsync(IStateStore, string, string, bool, CancellationToken)"/> took
/// them; disposing it releases the lock (a dry run holds none).
/// </summary>
public sealed class RunStart : IAsyncDisposable
{
    private IAsyncDisposable? _lock;

    internal RunStart(JobRecord job, RunRecord run, IAsyncDisposable? held, bool dryRun)
    {
        Job = job;
        Run = run;
        _lock = held;
        DryRun = dryRun;
    }

    /// <summary>Taken for a dry run: a run of its own, no lock.</summary>
    public bool DryRun { get; }

    /// <summary>The job (its source and destination are the stores' locations).</summary>
    public JobRecord Job { get; }

    /// <summary>The run, as it stood when taken: resumed, or new.</summary>
    public RunRecord Run { get; }

    /// <summary>Releases the job's lister lock.</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _lock, null)?.DisposeAsync() ?? ValueTask.CompletedTask;
}
