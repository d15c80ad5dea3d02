using HeavySync.Local;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>What one lister pass did.</summary>
/// <param name="Outcome">Whether it ran, or why not.</param>
/// <param name="Run">The run it worked on (null when another lister holds the job).</param>
/// <param name="Published">Copy tasks published by this pass.</param>
public sealed record ListerResult(ListerOutcome Outcome, RunRecord? Run, long Published);

/// <summary>How a lister pass ended.</summary>
public enum ListerOutcome
{
    /// <summary>Listed (or resumed listing), planned and published the run's copy tasks.</summary>
    Published,
    /// <summary>The open run is already fully published; copiers and the finalizer finish it.</summary>
    AlreadyPublished,
    /// <summary>Another lister of this job is running; nothing was done.</summary>
    Busy,
}

/// <summary>
/// The cluster lister role (DESIGN.md §3): under the job's lister lock, takes the job's open run (or
/// starts one), lists both sides into the state store — resuming a listing a killed lister left
/// behind — plans, and publishes the copy tasks to the durable queue from the run's publish
/// checkpoint. Copiers and the finalizer do the rest.
/// </summary>
/// <param name="state">The cluster state store.</param>
/// <param name="queue">Where copy tasks are published.</param>
/// <param name="loggers">Logs.</param>
/// <param name="time">The clock that bounds a listing batch's age; default <see cref="TimeProvider.System"/>.</param>
public sealed partial class ListerRole(IStateStore state, IWorkQueue queue, ILoggerFactory loggers, TimeProvider? time = null)
{
    private readonly ILogger logger = loggers.CreateLogger<ListerRole>();

    /// <summary>Runs one pass for <paramref name="job"/>.</summary>
    public async Task<ListerResult> RunAsync(JobContext job, SyncProgress progress, CancellationToken cancellationToken)
    {
        await using var held = await state.TryLockJobAsync(job.Job.Id, JobLockKind.Lister, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            return new ListerResult(ListerOutcome.Busy, null, 0);
        }

        var run = await state.GetOpenRunAsync(job.Job.Id, cancellationToken).ConfigureAwait(false)
            ?? await state.CreateRunAsync(job.Job.Id, cancellationToken).ConfigureAwait(false);
        if (run.Phase != RunPhase.Listing || run.SourceListed || run.DestinationListed)
        {
            LogResuming(run.Number, run.Phase);
        }

        if (run.Phase == RunPhase.Listing)
        {
            var planOptions = new PlanOptions(job.Options.Compare, SyncEngine.MtimeTolerance(job.Source, job.Destination));
            var lister = new Lister(state, job.Options, progress, loggers.CreateLogger<Lister>(), skipDirectoryMarkers: job.Destination is LocalFileStore, time);
            await lister.ListAndPlanAsync(run, job.Source, job.Destination, planOptions, cancellationToken).ConfigureAwait(false);
            run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);
        }

        if (run.Phase != RunPhase.Copying)
        {
            return new ListerResult(ListerOutcome.AlreadyPublished, run, 0);
        }

        if (job.Destination is IRunMaintenance maintenance)
        {
            await maintenance.PrepareDestinationAsync(cancellationToken).ConfigureAwait(false);
        }

        progress.Phase = "publishing";
        var publisher = new TaskPublisher(state, queue, job.Options);
        var published = await publisher.PublishPendingAsync(run, cancellationToken, durableQueue: true).ConfigureAwait(false);
        run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);
        LogPublished(published, run.Number);
        return new ListerResult(published > 0 ? ListerOutcome.Published : ListerOutcome.AlreadyPublished, run, published);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming run {Number} in phase {Phase}")]
    private partial void LogResuming(int number, RunPhase phase);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Count} copy tasks of run {Number}")]
    private partial void LogPublished(long count, int number);
}
