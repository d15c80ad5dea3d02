using HeavySync.Finalizing;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>What the finalizer did about deletions.</summary>
public enum DeletionVerdict
{
    /// <summary>Nothing to delete.</summary>
    None,
    /// <summary>Deletions made.</summary>
    Deleted,
    /// <summary>--no-delete: candidates left in place.</summary>
    Disabled,
    /// <summary>Skipped because tasks failed or a listing is incomplete (invariant 1).</summary>
    SkippedIncomplete,
    /// <summary>Refused by the delete cap or the empty-source rule.</summary>
    Refused,
}

/// <summary>The finalizer's result.</summary>
public sealed record FinalizeResult(DeletionVerdict Verdict, long Deleted, long DeleteFailed, string? Reason)
{
    /// <summary>Deletions left out because the object changed since the listing (re-created or
    /// replaced: no longer the object the run decided to delete). Not failures.</summary>
    public long DeleteSkipped { get; init; }
}

/// <summary>
/// The finalizer role: runs when no copy task is pending. Deletes destination-only objects only
/// when both listings are complete and no task of the run failed (invariant 1), within the delete
/// cap, never letting an empty source empty the destination unless forced. Deletions are recorded
/// per task, so a resumed finalizer does not delete twice. A destination that can delete
/// conditionally (<see cref="IConditionalDelete"/>) deletes each object only if it is still the
/// version the listing saw; one re-created since is left in place and reported as skipped.
/// </summary>
public sealed partial class Finalizer(IStateStore state, SyncOptions options, SyncProgress progress, ILogger logger)
{
    private const int PageSize = 1_000;

    /// <summary>The note on a delete task left out because its object changed since the listing.</summary>
    private const string ChangedSinceListing = "changed since the listing: not deleted";

    /// <summary>Decides about and performs the run's deletions.</summary>
    public async Task<FinalizeResult> FinalizeAsync(RunRecord run, IObjectStore destination, CancellationToken cancellationToken)
    {
        progress.Phase = "finalizing";
        var plan = run.Plan ?? throw new InvalidOperationException("run is not planned");
        if (plan.DeleteObjects == 0)
        {
            return new(DeletionVerdict.None, 0, 0, null);
        }

        if (options.NoDelete)
        {
            return new(DeletionVerdict.Disabled, 0, 0, $"--no-delete: left {plan.DeleteObjects} destination-only objects in place");
        }

        var counters = await state.GetCountersAsync(run.Id, cancellationToken).ConfigureAwait(false);
        if (!run.SourceListed || !run.DestinationListed || counters.CopyFailed > 0 || counters.CopyPending > 0)
        {
            var why = counters.CopyFailed > 0 ? $"not deleting {plan.DeleteObjects} destination-only objects: {counters.CopyFailed} copies failed"
                : counters.CopyPending > 0 ? $"not deleting {plan.DeleteObjects} destination-only objects: {counters.CopyPending} copies are unfinished"
                : $"not deleting {plan.DeleteObjects} destination-only objects: a listing is incomplete";
            LogDeletesSkipped(why);
            return new(DeletionVerdict.SkippedIncomplete, 0, 0, why);
        }

        var decision = options.MaxDelete.Evaluate(plan.DeleteObjects, plan.DestinationObjects, plan.SourceObjects, options.AllowEmptySource);
        if (!decision.IsAllowed)
        {
            return new(DeletionVerdict.Refused, 0, 0, decision.Reason);
        }

        var (deleted, failed, skipped) = await DeleteAllAsync(run, destination, cancellationToken).ConfigureAwait(false);
        return new(DeletionVerdict.Deleted, deleted, failed, failed > 0 ? $"{failed} deletions failed" : null) { DeleteSkipped = skipped };
    }

    private async Task<(long Deleted, long Failed, long Skipped)> DeleteAllAsync(RunRecord run, IObjectStore destination, CancellationToken cancellationToken)
    {
        long deleted = 0;
        long failed = 0;
        long skipped = 0;
        long afterId = 0;

        // Conditional deletes go one by one; a batch delete (S3) has no preconditions.
        var batchDelete = destination is IConditionalDelete ? null : destination as IBatchDelete;
        while (true)
        {
            var page = await state.GetTasksAsync(run.Id, TaskAction.Delete, WorkTaskStatus.Pending, afterId, batchDelete?.MaxBatchSize ?? PageSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            afterId = page[^1].Id;
            using var activity = HeavySyncTelemetry.Source.StartActivity("delete");
            activity?.SetTag(TelemetryTags.Job, run.JobId);
            activity?.SetTag(TelemetryTags.Run, run.Id);
            activity?.SetTag("heavysync.delete.count", page.Count);
            var outcomes = batchDelete is not null
                ? await DeleteBatchAsync(batchDelete, page, cancellationToken).ConfigureAwait(false)
                : await DeleteEachAsync(destination, page, cancellationToken).ConfigureAwait(false);
            await state.CompleteTasksAsync(run.Id, outcomes, cancellationToken).ConfigureAwait(false);
            var done = outcomes.Count(o => o.Status == WorkTaskStatus.Done);
            var left = outcomes.Count(o => o.Status == WorkTaskStatus.Vanished);
            activity?.SetTag("heavysync.delete.failed", outcomes.Count - done - left);
            deleted += done;
            skipped += left;
            failed += outcomes.Count - done - left;
            progress.AddDeleted(done);
            HeavySyncTelemetry.ObjectsDeleted.Add(done);
        }

        if (skipped > 0)
        {
            LogDeletesChanged(skipped);
        }

        return (deleted, failed, skipped);
    }

    private static async Task<List<TaskOutcome>> DeleteBatchAsync(IBatchDelete store, IReadOnlyList<TaskRecord> page, CancellationToken cancellationToken)
    {
        var errors = await store.DeleteManyAsync(page.Select(t => t.Key).ToList(), cancellationToken).ConfigureAwait(false);
        var failedKeys = errors.ToDictionary(e => e.Key, e => e.Error.Message, StringComparer.Ordinal);
        return page.Select(t => failedKeys.TryGetValue(t.Key, out var error)
            ? new TaskOutcome(t.Id, WorkTaskStatus.Failed, null, error)
            : new TaskOutcome(t.Id, WorkTaskStatus.Done, null, null)).ToList();
    }

    private static async Task<List<TaskOutcome>> DeleteEachAsync(IObjectStore store, IReadOnlyList<TaskRecord> page, CancellationToken cancellationToken)
    {
        var outcomes = new List<TaskOutcome>(page.Count);
        foreach (var task in page)
        {
            try
            {
                bool removed;
                if (task.ExpectedDestination is { Exists: true } expected && store is IConditionalDelete conditional)
                {
                    removed = await conditional.DeleteIfUnchangedAsync(task.Key, expected, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await store.DeleteAsync(task.Key, cancellationToken).ConfigureAwait(false);
                    removed = true;
                }

                // Not removed: the object the run decided to delete is gone (vanished); what is there now is newer.
                outcomes.Add(removed
                    ? new TaskOutcome(task.Id, WorkTaskStatus.Done, null, null)
                    : new TaskOutcome(task.Id, WorkTaskStatus.Vanished, null, ChangedSinceListing));
            }
            catch (StoreException ex) when (ex.Kind is StoreErrorKind.Permanent or StoreErrorKind.Transient or StoreErrorKind.Throttled or StoreErrorKind.PreconditionFailed)
            {
                outcomes.Add(new TaskOutcome(task.Id, WorkTaskStatus.Failed, null, ex.Message));
            }
        }

        return outcomes;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Why}")]
    private partial void LogDeletesSkipped(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "left {Count} destination-only objects in place: they changed since the listing")]
    private partial void LogDeletesChanged(long count);
}
