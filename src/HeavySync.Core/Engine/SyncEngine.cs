using HeavySync.Copy;
using HeavySync.Local;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>
/// One-machine mode: every role in one process over an in-process queue (DESIGN.md §3). Resumes the
/// job's open run when there is one: a completed listing is not listed again, done tasks are not
/// done again, a finalizer that was interrupted picks up its remaining deletions.
/// </summary>
public sealed partial class SyncEngine(IStateStore state, ILoggerFactory loggers, TimeProvider? time = null, RequestCounter? requests = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly ILogger logger = loggers.CreateLogger<SyncEngine>();

    /// <summary>Runs (or resumes) the sync of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public async Task<SyncResult> RunAsync(IObjectStore source, IObjectStore destination, SyncOptions options, SyncProgress progress, CancellationToken cancellationToken)
    {
        var job = await state.GetOrCreateJobAsync(source.Location, destination.Location, cancellationToken).ConfigureAwait(false);
        var run = options.DryRun
            ? await state.CreateRunAsync(job.Id, cancellationToken).ConfigureAwait(false)
            : await state.GetOpenRunAsync(job.Id, cancellationToken).ConfigureAwait(false)
              ?? await state.CreateRunAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (run.Phase != RunPhase.Listing || run.SourceListed || run.DestinationListed)
        {
            LogResuming(run.Number, run.Phase);
        }

        var planOptions = new PlanOptions(options.Compare, MtimeTolerance(source, destination));
        var lister = new Lister(state, options, progress, loggers.CreateLogger<Lister>(), skipDirectoryMarkers: destination is LocalFileStore);
        var plan = await lister.ListAndPlanAsync(run, source, destination, planOptions, cancellationToken).ConfigureAwait(false);
        run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);

        if (options.DryRun)
        {
            return await DryRunAsync(run, plan, options, cancellationToken).ConfigureAwait(false);
        }

        if (run.Phase == RunPhase.Copying)
        {
            if (destination is IRunMaintenance maintenance)
            {
                await maintenance.PrepareDestinationAsync(cancellationToken).ConfigureAwait(false);
            }

            await CopyAsync(run, source, destination, options, progress, cancellationToken).ConfigureAwait(false);
            await state.SetRunPhaseAsync(run.Id, RunPhase.Finalizing, null, cancellationToken).ConfigureAwait(false);
            run = await state.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false);
        }

        var finalizer = new Finalizer(state, options, progress, loggers.CreateLogger<Finalizer>());
        var final = await finalizer.FinalizeAsync(run, destination, cancellationToken).ConfigureAwait(false);
        long pruned = 0;
        if (options.PruneVersionsOlderThan is { } age && destination is IRunMaintenance versions && final.Verdict != DeletionVerdict.Refused)
        {
            pruned = await versions.PruneNoncurrentVersionsAsync(clock.GetUtcNow() - age, cancellationToken).ConfigureAwait(false);
        }

        return await CompleteAsync(run, plan, final, pruned, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyAsync(RunRecord run, IObjectStore source, IObjectStore destination, SyncOptions options, SyncProgress progress, CancellationToken cancellationToken)
    {
        var counters = await state.GetCountersAsync(run.Id, cancellationToken).ConfigureAwait(false);
        progress.PlannedObjects = counters.CopyPending;
        progress.PlannedBytes = Math.Max(0, (run.Plan?.CopyBytes ?? 0) - counters.CopyDoneBytes);
        progress.Phase = "copying";
        if (counters.CopyPending == 0)
        {
            return;
        }

        await using var queue = new InProcessWorkQueue(
            new InProcessQueueOptions { Capacity = Math.Max(64, options.Concurrency * 4) }, clock);
        await using var depth = QueueDepthSampler.Start(queue, "inprocess", TimeSpan.FromSeconds(1), clock);
        await using var outcomes = new OutcomeWriter(state, run.Id);
        var executor = new CopyExecutor(source, destination, clock, onBytes: progress.AddBytes);
        var governor = new ConcurrencyGovernor(options.Concurrency, clock);
        if (requests is not null)
        {
            requests.Governor = governor;
        }

        var copier = new Copier(queue, executor, outcomes, state, options, progress, loggers.CreateLogger<Copier>(), governor);
        var publisher = new TaskPublisher(state, queue, options);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = publisher.PublishPendingAsync(run, stop.Token);
        var copying = copier.RunAsync(
            async ct => publishing.IsCompleted && await queue.GetApproximateDepthAsync(ct).ConfigureAwait(false) == 0,
            stop.Token);

        // Either side failing stops the other at once: copiers that died of a fatal error leave a
        // publisher waiting for room in a full queue forever.
        foreach (var side in new[] { publishing, copying })
        {
            _ = side.ContinueWith(
                static (_, cts) => ((CancellationTokenSource)cts!).Cancel(),
                stop,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        try
        {
            await Task.WhenAll(publishing, copying).ConfigureAwait(false);
        }
        catch
        {
            // The first real error wins over the cancellations it caused.
            throw FirstRealError(publishing, copying);
        }
    }

    private static Exception FirstRealError(params Task[] tasks)
    {
        var errors = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).ToList();
        return errors.FirstOrDefault(e => e is not OperationCanceledException)
            ?? errors.FirstOrDefault()
            ?? new OperationCanceledException();
    }

    private async Task<SyncResult> DryRunAsync(RunRecord run, PlanSummary plan, SyncOptions options, CancellationToken cancellationToken)
    {
        var lines = new List<string>
        {
            $"dry run: would copy {plan.CopyObjects} objects ({Format.Bytes(plan.CopyBytes)}), " +
            $"leave {plan.UnchangedObjects} unchanged, " +
            (options.NoDelete ? $"keep {plan.DeleteObjects} destination-only objects (--no-delete)" : $"delete {plan.DeleteObjects} ({Format.Bytes(plan.DeleteBytes)})"),
        };
        var copies = await state.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Pending, 0, options.DryRunShow, cancellationToken).ConfigureAwait(false);
        lines.AddRange(copies.Select(t => $"  copy   {t.Key} ({Format.Bytes(t.Size)})"));
        if (plan.CopyObjects > copies.Count)
        {
            lines.Add($"  ... and {plan.CopyObjects - copies.Count} more copies");
        }

        if (!options.NoDelete)
        {
            var deletes = await state.GetTasksAsync(run.Id, TaskAction.Delete, WorkTaskStatus.Pending, 0, options.DryRunShow, cancellationToken).ConfigureAwait(false);
            lines.AddRange(deletes.Select(t => $"  delete {t.Key}"));
            if (plan.DeleteObjects > deletes.Count)
            {
                lines.Add($"  ... and {plan.DeleteObjects - deletes.Count} more deletions");
            }

            var decision = options.MaxDelete.Evaluate(plan.DeleteObjects, plan.DestinationObjects, plan.SourceObjects, options.AllowEmptySource);
            if (plan.DeleteObjects > 0 && !decision.IsAllowed)
            {
                lines.Add("a real run would refuse: " + decision.Reason);
            }
        }

        await state.SetRunPhaseAsync(run.Id, RunPhase.DryRun, string.Join('\n', lines), cancellationToken).ConfigureAwait(false);
        return new SyncResult(SyncOutcome.InSync, run.JobId, run.Id, plan, null, "dry run: nothing changed") { Report = lines };
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
                DeletionVerdict.Deleted => $"deleted {final.Deleted} objects" + (final.DeleteFailed > 0 ? $", {final.DeleteFailed} deletions failed" : string.Empty),
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

    private static TimeSpan MtimeTolerance(IObjectStore source, IObjectStore destination)
    {
        var a = source.Capabilities.MtimePrecision;
        var b = destination.Capabilities.MtimePrecision;
        if (a == TimeSpan.Zero || b == TimeSpan.Zero)
        {
            // One side cannot keep a chosen mtime: only a clearly newer source counts as changed.
            return TimeSpan.FromSeconds(1);
        }

        return a > b ? a : b;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming run {Number} in phase {Phase}")]
    private partial void LogResuming(int number, RunPhase phase);
}
