using HeavySync.State;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>What the finalizer did with one unfinished run.</summary>
/// <param name="Job">The run's job.</param>
/// <param name="Run">The run, as it was found.</param>
/// <param name="Result">The finished run's result; null when it was left alone.</param>
/// <param name="Waiting">Why it was left alone (still listing, copies pending, another finalizer).</param>
public sealed record FinalizerPass(JobRecord Job, RunRecord Run, SyncResult? Result, string? Waiting);

/// <summary>
/// The cluster finalizer role (DESIGN.md §3): every unfinished run whose copy tasks are all settled
/// (done, vanished or failed) is finalized under the job's finalizer lock — deletions only with both
/// listings complete and no failed task, within the cap; version pruning; the report. Runs still
/// listing or copying are reported and left for a later pass.
/// </summary>
public sealed class FinalizerRole(IStateStore state, ILoggerFactory loggers, TimeProvider? time = null)
{
    private readonly ILogger logger = loggers.CreateLogger<FinalizerRole>();

    /// <summary>One pass over the unfinished runs (of <paramref name="jobId"/> only, when given).</summary>
    public async Task<IReadOnlyList<FinalizerPass>> RunAsync(long? jobId, JobOpener open, SyncProgress progress, CancellationToken cancellationToken)
    {
        var jobs = (await state.ListJobsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(j => j.Id);
        var passes = new List<FinalizerPass>();
        foreach (var run in await state.ListUnfinishedRunsAsync(cancellationToken).ConfigureAwait(false))
        {
            if ((jobId is not null && run.JobId != jobId) || !jobs.TryGetValue(run.JobId, out var job))
            {
                continue;
            }

            passes.Add(await FinalizeAsync(job, run, open, progress, cancellationToken).ConfigureAwait(false));
        }

        return passes;
    }

    private async Task<FinalizerPass> FinalizeAsync(JobRecord job, RunRecord run, JobOpener open, SyncProgress progress, CancellationToken cancellationToken)
    {
        if (run.Phase == RunPhase.Listing)
        {
            return new FinalizerPass(job, run, null, "still listing");
        }

        var counters = await state.GetCountersAsync(run.Id, cancellationToken).ConfigureAwait(false);
        if (counters.CopyPending > 0)
        {
            return new FinalizerPass(job, run, null, $"{counters.CopyPending} copies pending");
        }

        await using var held = await state.TryLockJobAsync(job.Id, JobLockKind.Finalizer, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            return new FinalizerPass(job, run, null, "another finalizer is working on this job");
        }

        // Another finalizer may have finished it between the listing above and the lock.
        run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);
        if (run.IsFinished)
        {
            return new FinalizerPass(job, run, null, "already finalized");
        }

        // The finalizer's own trace per run (deletions, pruning, the report), named by job and run.
        using var activity = RunSpans.Start("finalize run", job.Id, job.Name, run);
        using var scope = RunSpans.BeginLogScope(logger, job.Name, run);
        await using var context = await open(job, cancellationToken).ConfigureAwait(false);
        var result = await new RunFinisher(state, loggers, time).FinishAsync(run, context.Destination, context.Options, progress, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(TelemetryTags.Outcome, result.Outcome.ToString());
        return new FinalizerPass(job, run, result, null);
    }
}
