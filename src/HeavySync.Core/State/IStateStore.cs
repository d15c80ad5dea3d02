using HeavySync.Planning;
using HeavySync.Storage;

namespace HeavySync.State;

/// <summary>
/// Durable state of jobs, runs, manifests, the ledger and tasks: SQLite on one machine, Postgres in a
/// cluster. Every write is durable when the returned task completes; every method is safe to repeat
/// (at-least-once callers). Failures surface as <see cref="StateStoreException"/>.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Creates the schema or migrates it to the current version. A schema newer than this
    /// build throws <see cref="StateStoreException"/> (fatal).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>The job for this pair, created when new.</summary>
    Task<JobRecord> GetOrCreateJobAsync(string source, string destination, CancellationToken cancellationToken);

    /// <summary>The job for this pair, or null.</summary>
    Task<JobRecord?> FindJobAsync(string source, string destination, CancellationToken cancellationToken);

    /// <summary>All jobs, oldest first.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates a named job. When an unnamed job for the same pair exists (made by an earlier
    /// <c>heavysync sync</c>), that job takes the name and options and keeps its runs and ledger.
    /// Throws <see cref="StateStoreException"/> when the name is taken ("job 'x' already exists") or
    /// the pair belongs to another named job ("job 'y' already syncs A to B").
    /// </summary>
    Task<JobRecord> CreateNamedJobAsync(string name, string source, string destination, string optionsJson, CancellationToken cancellationToken);

    /// <summary>The job with this name, or null.</summary>
    Task<JobRecord?> FindJobByNameAsync(string name, CancellationToken cancellationToken);

    /// <summary>A job by id; throws <see cref="StateStoreException"/> when missing.</summary>
    Task<JobRecord> GetJobAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>Replaces a job's options JSON; throws <see cref="StateStoreException"/> when the job is missing.</summary>
    Task UpdateJobOptionsAsync(long jobId, string optionsJson, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a job and everything of it: runs, manifests, tasks, ledger and (in a store that holds
    /// the queue) the queue messages of its runs. False when the job does not exist.
    /// </summary>
    Task<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the job's <paramref name="kind"/> lock, held across processes and machines until the
    /// returned handle is disposed or the holding process dies; null when another holder has it (no
    /// waiting). Keeps two listers, or two finalizers, of one job from running at once.
    /// </summary>
    Task<IAsyncDisposable?> TryLockJobAsync(long jobId, JobLockKind kind, CancellationToken cancellationToken);

    /// <summary>The newest unfinished run of a job (excluding dry runs), or null.</summary>
    Task<RunRecord?> GetOpenRunAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>Starts a new run in <see cref="RunPhase.Listing"/>.</summary>
    Task<RunRecord> CreateRunAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>A run by id (throws when missing).</summary>
    Task<RunRecord> GetRunAsync(long runId, CancellationToken cancellationToken);

    /// <summary>The newest runs of a job, newest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(long jobId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Bulk-inserts one listing batch (replacing rows with the same key, so a repeated batch is
    /// harmless). When <paramref name="resumeAfter"/> is given it is saved atomically with the batch
    /// as the side's resume point.
    /// </summary>
    Task AddManifestBatchAsync(long runId, StoreSide side, IReadOnlyList<ObjectEntry> entries, string? resumeAfter, CancellationToken cancellationToken);

    /// <summary>Forgets a side's partial listing (for stores whose listing cannot resume).</summary>
    Task ResetListingAsync(long runId, StoreSide side, CancellationToken cancellationToken);

    /// <summary>Marks a side's listing complete: it is never listed again in this run.</summary>
    Task MarkListingCompleteAsync(long runId, StoreSide side, CancellationToken cancellationToken);

    /// <summary>Number of manifest rows of one side.</summary>
    Task<long> CountManifestAsync(long runId, StoreSide side, CancellationToken cancellationToken);

    /// <summary>
    /// Computes the plan (DESIGN.md §4) in the database: creates copy and delete tasks, learns equal
    /// hashes into the ledger, stores the summary and moves the run to <see cref="RunPhase.Copying"/>.
    /// Requires both listings complete. Idempotent: a planned run returns its stored summary.
    /// </summary>
    Task<PlanSummary> PlanAsync(long runId, PlanOptions options, CancellationToken cancellationToken);

    /// <summary>Tasks of a run in id order after <paramref name="afterId"/> (keyset paging).</summary>
    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long runId, TaskAction action, WorkTaskStatus status, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Records outcomes and their ledger changes in one transaction. A task already finished keeps its first outcome.</summary>
    Task CompleteTasksAsync(long runId, IReadOnlyList<TaskOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>Of the given task ids, those still pending (copiers skip the rest: at-least-once delivery).</summary>
    Task<IReadOnlySet<long>> FilterPendingAsync(long runId, IReadOnlyList<long> taskIds, CancellationToken cancellationToken);

    /// <summary>Counts the run's tasks by action and status.</summary>
    Task<RunCounters> GetCountersAsync(long runId, CancellationToken cancellationToken);

    /// <summary>
    /// Saves how far the run's copy tasks have been published to a durable queue: a publisher that
    /// restarts continues after <paramref name="publishedThrough"/>. Setting it lower re-publishes
    /// the pending tasks above the new value (retrying failed tasks).
    /// </summary>
    Task SetPublishCheckpointAsync(long runId, long publishedThrough, CancellationToken cancellationToken);

    /// <summary>
    /// Puts the run's failed tasks back to pending (attempts 0, error cleared) and returns how many.
    /// When any was reset, a run in <see cref="RunPhase.Finalizing"/> or <see cref="RunPhase.Done"/>
    /// goes back to <see cref="RunPhase.Copying"/> (finish time and report cleared): the one move a
    /// run makes backwards. Throws <see cref="StateStoreException"/> when the run is missing.
    /// </summary>
    Task<int> RetryFailedAsync(long runId, CancellationToken cancellationToken);

    /// <summary>Runs not finished and not dry runs, across all jobs, oldest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListUnfinishedRunsAsync(CancellationToken cancellationToken);

    /// <summary>Moves a run to a phase, with an optional final report.</summary>
    Task SetRunPhaseAsync(long runId, RunPhase phase, string? report, CancellationToken cancellationToken);

    /// <summary>The ledger row of a key, or null.</summary>
    Task<LedgerEntry?> GetLedgerAsync(long jobId, string key, CancellationToken cancellationToken);

    /// <summary>Marks ledger rows verified now (sampled checks).</summary>
    Task MarkVerifiedAsync(long jobId, IReadOnlyList<string> keys, DateTimeOffset when, CancellationToken cancellationToken);

    /// <summary>Removes manifests and tasks of the job's runs older than <paramref name="keepRunId"/> (the ledger stays).</summary>
    Task DeleteOldRunDataAsync(long jobId, long keepRunId, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="count"/> manifest rows chosen uniformly at random (seeded).</summary>
    Task<IReadOnlyList<ObjectEntry>> SampleManifestAsync(long runId, StoreSide side, int count, int seed, CancellationToken cancellationToken);
}

/// <summary>
/// A state-store failure; the message is one line for the user. Most are configuration errors
/// (a malformed state URL, an unreadable file, a missing database: exit 2); <see cref="IsFatal"/>
/// marks those DESIGN.md §6 calls Fatal, such as a schema newer than this build (exit 4).
/// </summary>
public sealed class StateStoreException(string message, Exception? inner = null, bool fatal = false) : Exception(message, inner)
{
    /// <summary>True when the role must stop as for a fatal store error (DESIGN.md §6): the schema is too new.</summary>
    public bool IsFatal { get; } = fatal;
}
