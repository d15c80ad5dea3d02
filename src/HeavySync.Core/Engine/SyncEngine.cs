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
public sealed partial class SyncEngine(IStateStore state, ILoggerFactory loggers, TimeProvider? time = null, RequestCounter? requests = null, IWorkQueue? sharedQueue = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly ILogger logger = loggers.CreateLogger<SyncEngine>();

    /// <summary>Runs (or resumes) the sync of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public async Task<SyncResult> RunAsync(IObjectStore source, IObjectStore destination, SyncOptions options, SyncProgress progress, CancellationToken cancellationToken)
    {
        await using var start = await StartAsync(state, source.Location, destination.Location, options.DryRun, cancellationToken).ConfigureAwait(false);
        return await RunAsync(start, source, destination, options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The job of <paramref name="sourceLocation"/> → <paramref name="destinationLocation"/> (created
    /// on first use), its lister lock and its open run (resumed, or a new one): what
    /// <see cref="RunAsync(RunStart, IObjectStore, IObjectStore, SyncOptions, SyncProgress, CancellationToken)"/>
    /// runs. It needs only the state, so a caller may take it while the stores open. The locations
    /// are the stores' <see cref="IObjectStore.Location"/>. A dry run takes no lock and always gets a
    /// run of its own. Disposing the start releases the lock.
    /// </summary>
    /// <exception cref="StateStoreException">Another sync or lister of the job holds its lock.</exception>
    public static async Task<RunStart> StartAsync(IStateStore state, string sourceLocation, string destinationLocation, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var job = await state.GetOrCreateJobAsync(sourceLocation, destinationLocation, cancellationToken).ConfigureAwait(false);

        // A sync is its job's lister: one at a time (with Postgres state, a cluster lister of the
        // same job is kept out too). Holding the lock is also what lets it take every incomplete
        // upload it finds for an orphan (OrphanUploadPolicy.SoleWriter). A dry run writes nothing.
        var held = dryRun
            ? null
            : await state.TryLockJobAsync(job.Id, JobLockKind.Lister, cancellationToken).ConfigureAwait(false)
              ?? throw new StateStoreException($"another sync or lister of this job ({sourceLocation} -> {destinationLocation}) is running; wait for it to finish");
        try
        {
            var run = dryRun
                ? await state.CreateRunAsync(job.Id, cancellationToken).ConfigureAwait(false)
                : await state.GetOpenRunAsync(job.Id, cancellationToken).ConfigureAwait(false)
                  ?? await state.CreateRunAsync(job.Id, cancellationToken).ConfigureAwait(false);
            return new RunStart(job, run, held, dryRun);
        }
        catch
        {
            if (held is not null)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Runs the sync <paramref name="start"/> began (see
    /// <see cref="StartAsync(IStateStore, string, string, bool, CancellationToken)"/>) between the
    /// stores it names; the caller keeps <paramref name="start"/> (and its lock) until this ends.</summary>
    /// <exception cref="ArgumentException">The stores are not the start's job's, or the start was
    /// (not) for a dry run and <paramref name="options"/> say otherwise.</exception>
    public async Task<SyncResult> RunAsync(RunStart start, IObjectStore source, IObjectStore destination, SyncOptions options, SyncProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (start.Job.Source != source.Location || start.Job.Destination != destination.Location)
        {
            throw new ArgumentException($"the run was started for {start.Job.Source} -> {start.Job.Destination}, not {source.Location} -> {destination.Location}", nameof(start));
        }

        if (start.DryRun != options.DryRun)
        {
            throw new ArgumentException(start.DryRun ? "the run was started for a dry run" : "a dry run needs a run started for one", nameof(start));
        }

        var job = start.Job;
        var run = start.Run;
        if (run.Phase != RunPhase.Listing || run.SourceListed || run.DestinationListed)
        {
            LogResuming(run.Number, run.Phase);
        }

        // One trace for the whole run: listing, plan, publish and every copy, finalizing.
        using var activity = RunSpans.Start("sync run", job.Id, job.Name, run);
        using var scope = RunSpans.BeginLogScope(logger, job.Name, run);
        var planOptions = new PlanOptions(options.Compare, MtimeTolerance(source, destination));
        var lister = new Lister(state, options, progress, loggers.CreateLogger<Lister>(), skipDirectoryMarkers: destination is LocalFileStore, clock);
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
                // In-process copying: this process is the job's only writer and has started no upload
                // yet. With a durable queue, cluster copiers may be uploading for this run right now.
                var orphans = sharedQueue is null ? OrphanUploadPolicy.SoleWriter() : OrphanUploadPolicy.SharedWithCopiers();
                await maintenance.PrepareDestinationAsync(orphans, cancellationToken).ConfigureAwait(false);
            }

            await CopyAsync(run, source, destination, options, progress, cancellationToken).ConfigureAwait(false);
        }

        return await new RunFinisher(state, loggers, clock).FinishAsync(run, destination, options, progress, cancellationToken).ConfigureAwait(false);
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

        // A durable queue (--queue postgres / SQS / Pub/Sub) outlives this process and may be shared
        // with cluster copiers: publish from the run's checkpoint, and ask the state, not the queue's
        // depth, whether the run's copies are all settled.
        await using var ownQueue = sharedQueue is null
            ? new InProcessWorkQueue(new InProcessQueueOptions { Capacity = Math.Max(64, options.Concurrency * 4) }, clock)
            : null;
        var queue = sharedQueue ?? ownQueue!;
        await using var depth = QueueDepthSampler.Start(queue, sharedQueue is null ? "inprocess" : "shared", TimeSpan.FromSeconds(1), clock);
        await using var outcomes = new OutcomeWriter(state);
        var executor = new CopyExecutor(source, destination, clock, onBytes: progress.AddBytes, uploadSessions: state as IUploadSessionStore, jobId: run.JobId);
        var governor = new ConcurrencyGovernor(options.Concurrency, clock);
        if (requests is not null)
        {
            requests.Governor = governor;
        }

        var contexts = new SingleRunContextSource(run.Id, new CopyContext(executor, outcomes));
        // A durable queue costs requests: receive in whole-second long polls (SQS counts seconds) and
        // let acknowledgements share requests; the in-process queue costs nothing and answers at once.
        var copierOptions = sharedQueue is null
            ? CopierOptions.From(options)
            : CopierOptions.From(options) with { ReceiveWait = TimeSpan.FromSeconds(1), AckLinger = TimeSpan.FromMilliseconds(250), BusyReceivePause = TimeSpan.FromSeconds(2) };
        var copier = new Copier(queue, contexts, state, copierOptions, progress, loggers.CreateLogger<Copier>(), governor, clock);
        var publisher = new TaskPublisher(state, queue, options);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = publisher.PublishPendingAsync(run, stop.Token, durableQueue: sharedQueue is not null);
        var copying = copier.RunAsync(
            async ct => publishing.IsCompleted && (sharedQueue is null
                ? await queue.GetApproximateDepthAsync(ct).ConfigureAwait(false) == 0
                : (await state.GetCountersAsync(run.Id, ct).ConfigureAwait(false)).CopyPending == 0),
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

    internal static TimeSpan MtimeTolerance(IObjectStore source, IObjectStore destination)
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
