using HeavySync.Planning;
using HeavySync.State;

namespace HeavySync.Engine;

/// <summary>How a sync ended; maps one to one onto the exit codes of DESIGN.md §10.</summary>
public enum SyncOutcome
{
    /// <summary>Done and in sync (exit 0).</summary>
    InSync = 0,
    /// <summary>Finished with failed objects (exit 1).</summary>
    Failures = 1,
    /// <summary>Refused a destructive step for safety (exit 3).</summary>
    Refused = 3,
    /// <summary>A store failed fatally (exit 4).</summary>
    Fatal = 4,
}

/// <summary>The end of one sync.</summary>
public sealed record SyncResult(SyncOutcome Outcome, long JobId, long RunId, PlanSummary? Plan, RunCounters? Counters, string Message)
{
    /// <summary>Lines of the final report (also stored on the run).</summary>
    public IReadOnlyList<string> Report { get; init; } = [];

    /// <summary>Failed tasks (first few) with their causes.</summary>
    public IReadOnlyList<TaskRecord> FailedTasks { get; init; } = [];
}
