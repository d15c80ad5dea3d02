using HeavySync.Local;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
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
    /// <remarks>
    /// One trace per pass: a "lister run" span (job and run as attributes) is the parent of the
    /// list page spans (and the store requests they make), the plan and the publish span, whose
    /// context the messages carry to the copiers. Logs written during the pass carry the job and
    /// run in their scope.
    /// </remarks>
    public async Task<ListerResult> RunAsync(JobContext job, SyncProgress progress, CancellationToken cancellationToken)
    {
        using var activity = RunSpans.Start("lister run", job.Job.Id, job.Job.Name);
        return await RunAsync(job, activity, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens <paramref name="job"/>'s stores with <paramref name="open"/> and runs one pass, all
    /// under the pass's "lister run" span, so the stores' opening requests belong to its trace too.
    /// </summary>
    public async Task<ListerResult> RunAsync(JobRecord job, JobOpener open, SyncProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(open);
        using var activity = RunSpans.Start("lister run", job.Id, job.Name);
        await using var context = await open(job, cancellationToken).ConfigureAwait(false);
        return await RunAsync(context, activity, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ListerResult> RunAsync(JobContext job, System.Diagnostics.Activity? activity, SyncProgress progress, CancellationToken cancellationToken)
    {
        await using var held = await state.TryLockJobAsync(job.Job.Id, JobLockKind.Lister, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            activity?.SetTag(TelemetryTags.Outcome, ListerOutcome.Busy.ToString());
            return new ListerResult(ListerOutcome.Busy, null, 0);
        }

        var run = await state.GetOpenRunAsync(job.Job.Id, cancellationToken).ConfigureAwait(false)
            ?? await state.CreateRunAsync(job.Job.Id, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(TelemetryTags.Run, run.Id);
        activity?.SetTag(TelemetryTags.RunNumber, run.Number);
        using var scope = RunSpans.BeginLogScope(logger, job.Job.Name, run);
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
            activity?.SetTag(TelemetryTags.Outcome, ListerOutcome.AlreadyPublished.ToString());
            return new ListerResult(ListerOutcome.AlreadyPublished, run, 0);
        }

        if (job.Destination is IRunMaintenance maintenance)
        {
            // A lister may restart while copiers of this run are busy uploading: only long-idle
            // uploads are orphans here (see OrphanUploadPolicy).
            await maintenance.PrepareDestinationAsync(OrphanUploadPolicy.SharedWithCopiers(), cancellationToken).ConfigureAwait(false);
        }

        progress.Phase = "publishing";
        var publisher = new TaskPublisher(state, queue, job.Options);
        var published = await publisher.PublishPendingAsync(run, cancellationToken, durableQueue: true).ConfigureAwait(false);
        run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);
        LogPublished(published, run.Number);
        var outcome = published > 0 ? ListerOutcome.Published : ListerOutcome.AlreadyPublished;
        activity?.SetTag(TelemetryTags.Outcome, outcome.ToString());
        return new ListerResult(outcome, run, published);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming run {Number} in phase {Phase}")]
    private partial void LogResuming(int number, RunPhase phase);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Count} copy tasks of run {Number}")]
    private partial void LogPublished(long count, int number);
}
