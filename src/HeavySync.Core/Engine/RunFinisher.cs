using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>
/// Closes a run whose copies are all settled (DESIGN.md §3, finalizer): deletions (only with complete
/// knowledge, within the cap), old-version pruning, the report, and the clean-up of the run data
/// older runs left. Shared by the one-machine sync and the cluster finalizer role.
/// </summary>
public sealed class RunFinisher(IStateStore state, ILoggerFactory loggers, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>Finalizes <paramref name="run"/> (moving it to Finalizing first when it is still Copying) and returns its result.</summary>
    public async Task<SyncResult> FinishAsync(RunRecord run, IObjectStore destination, SyncOptions options, SyncProgress progress, CancellationToken cancellationToken)
    {
        if (run.Phase == RunPhase.Copying)
        {
            await state.SetRunPhaseAsync(run.Id, RunPhase.Finalizing, null, cancellationToken).ConfigureAwait(false);
            run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);
        }

        var plan = run.Plan ?? throw new InvalidOperationException($"run {run.Id} was never planned");
        var finalizer = new Finalizer(state, options, progress, loggers.CreateLogger<Finalizer>());
        var final = await finalizer.FinalizeAsync(run, destination, cancellationToken).ConfigureAwait(false);
        long pruned = 0;
        if (options.PruneVersionsOlderThan is { } age && destination is IRunMaintenance versions && final.Verdict != DeletionVerdict.Refused)
        {
            pruned = await versions.PruneNoncurrentVersionsAsync(clock.GetUtcNow() - age, cancellationToken).ConfigureAwait(false);
        }

        return await CompleteAsync(run, plan, final, pruned, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SyncResult> CompleteAsync(RunRecord run, PlanSummary plan, FinalizeResult final, long pruned, SyncProgress progress, CancellationToken cancellationToken)
    {
        var counters = await state.GetCountersAsync(run.Id, cancellationToken).ConfigureAwait(false);
        var failedTasks = counters.Failed > 0
            ? (await state.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Failed, 0, 20, cancellationToken).ConfigureAwait(false))
                .Concat(await state.GetTasksAsync(run.Id, TaskAction.Delete, WorkTaskStatus.Failed, 0, 20, cancellationToken).ConfigureAwait(false))
                .ToList()
            : [];
        var report = new List<string>
        {
            $"run {run.Number}: source {plan.SourceObjects} objects ({Format.Bytes(plan.SourceBytes)}), destination {plan.DestinationObjects} objects before the run",
            $"copied {counters.CopyDone} objects ({Format.Bytes(counters.CopyDoneBytes)}), unchanged {plan.UnchangedObjects}, vanished {counters.CopyVanished}, failed {counters.CopyFailed}",
            final.Verdict switch
            {
                DeletionVerdict.None => "deleted 0 objects",
                DeletionVerdict.Deleted => $"deleted {final.Deleted} objects"
                    + (final.DeleteFailed > 0 ? $", {final.DeleteFailed} deletions failed" : string.Empty)
                    + (final.DeleteSkipped > 0 ? $", {final.DeleteSkipped} left in place (changed since the listing)" : string.Empty),
                _ => final.Reason ?? string.Empty,
            },
        };
        if (pruned > 0)
        {
            report.Add($"pruned {pruned} noncurrent versions");
        }

        if (progress.SkippedKeys > 0)
        {
            report.Add($"skipped {progress.SkippedKeys} directory-marker keys a file system cannot hold");
        }

        var outcome = final.Verdict == DeletionVerdict.Refused ? SyncOutcome.Refused
            : counters.Failed > 0 ? SyncOutcome.Failures
            : SyncOutcome.InSync;
        var phase = outcome == SyncOutcome.Refused ? RunPhase.Refused : RunPhase.Done;
        await state.SetRunPhaseAsync(run.Id, phase, string.Join('\n', report), cancellationToken).ConfigureAwait(false);
        await state.DeleteOldRunDataAsync(run.JobId, run.Id, cancellationToken).ConfigureAwait(false);
        progress.Phase = "done";

        var message = outcome switch
        {
            SyncOutcome.Refused => "refused: " + final.Reason,
            SyncOutcome.Failures => $"{counters.Failed} objects failed; see the list above or 'heavysync status'",
            _ => "in sync",
        };
        return new SyncResult(outcome, run.JobId, run.Id, plan, counters, message) { Report = report, FailedTasks = failedTasks };
    }

}
