using HeavySync.Planning;

namespace HeavySync.State;

/// <summary>A (source, destination) pair, persistent across runs; named when created by <c>heavysync job create</c>.</summary>
public sealed record JobRecord(long Id, string Source, string Destination, DateTimeOffset CreatedAt)
{
    /// <summary>The job's name, unique in the store; null for a job made implicitly by <c>heavysync sync</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The job's options as opaque JSON the CLI owns; null when none were stored.</summary>
    public string? OptionsJson { get; init; }
}

/// <summary>Where a run stands. A run moves forward only: Listing → Copying → Finalizing → one of the ends
/// (the one exception: <see cref="IStateStore.RetryFailedAsync"/> takes Finalizing or Done back to Copying).</summary>
public enum RunPhase
{
    Listing = 0,
    Copying = 1,
    Finalizing = 2,
    /// <summary>Finished and (unless tasks failed) in sync.</summary>
    Done = 3,
    /// <summary>Finished, but refused a destructive step for safety (delete cap, empty source).</summary>
    Refused = 4,
    /// <summary>A dry run: listed and planned, nothing executed.</summary>
    DryRun = 5,
}

/// <summary>One pass of a job.</summary>
public sealed record RunRecord
{
    public required long Id { get; init; }
    public required long JobId { get; init; }
    /// <summary>1, 2, 3... per job.</summary>
    public required int Number { get; init; }
    public required RunPhase Phase { get; init; }
    public bool SourceListed { get; init; }
    public bool DestinationListed { get; init; }
    /// <summary>Last key stored from an ordered, unfinished source listing (resume point).</summary>
    public string? SourceResumeAfter { get; init; }
    /// <summary>Last key stored from an ordered, unfinished destination listing (resume point).</summary>
    public string? DestinationResumeAfter { get; init; }
    /// <summary>The plan's totals once planned; null before.</summary>
    public PlanSummary? Plan { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The final report, once finished (plain text).</summary>
    public string? Report { get; init; }
    /// <summary>Copy tasks with ids up to this one have been published to a durable queue (0: none).</summary>
    public long PublishedThrough { get; init; }

    public bool IsFinished => Phase is RunPhase.Done or RunPhase.Refused or RunPhase.DryRun;
}

/// <summary>What a task does.</summary>
public enum TaskAction
{
    Copy = 0,
    Delete = 1,
}

/// <summary>Where a task stands. Only <see cref="Pending"/> tasks are (re)published.</summary>
public enum WorkTaskStatus
{
    Pending = 0,
    Done = 1,
    /// <summary>The source object disappeared after listing: skipped, not an error.</summary>
    Vanished = 2,
    Failed = 3,
}

/// <summary>One unit of work of a run.</summary>
public sealed record TaskRecord(long Id, long RunId, string Key, TaskAction Action, long Size, string? SourceFingerprint, WorkTaskStatus Status, int Attempts, string? Error)
{
    /// <summary>What the destination listing saw at the key: absent (a copy to a new key) or the
    /// listed version (a replaced or deleted object); null when nothing can be checked.</summary>
    public Storage.ExpectedDestination? ExpectedDestination { get; init; }
}

/// <summary>
/// Per job and key: what was copied and what it produced. "Unchanged" when both fingerprints still
/// match the current listings (DESIGN.md §4 rule 2).
/// </summary>
public sealed record LedgerEntry(string Key, string SourceFingerprint, string DestinationFingerprint)
{
    public string? Md5 { get; init; }
    public uint? Crc32c { get; init; }
    public DateTimeOffset? VerifiedAt { get; init; }
}

/// <summary>The result of executing one task, recorded in one transaction with its ledger change.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Status">Done, Vanished or Failed.</param>
/// <param name="Ledger">For a done copy: the ledger row to upsert. For a done delete: null (the ledger row is removed).</param>
/// <param name="Error">For a failure: the one-line cause.</param>
public sealed record TaskOutcome(long TaskId, WorkTaskStatus Status, LedgerEntry? Ledger, string? Error);

/// <summary>Counts of a run's tasks.</summary>
public sealed record RunCounters
{
    public long CopyPending { get; init; }
    public long CopyDone { get; init; }
    public long CopyVanished { get; init; }
    public long CopyFailed { get; init; }
    public long CopyDoneBytes { get; init; }
    public long DeletePending { get; init; }
    public long DeleteDone { get; init; }
    public long DeleteFailed { get; init; }

    public long Failed => CopyFailed + DeleteFailed;
}
