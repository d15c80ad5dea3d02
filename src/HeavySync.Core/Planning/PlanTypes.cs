namespace HeavySync.Planning;

/// <summary>How to decide about keys whose content hashes cannot be compared (DESIGN.md §4 rule 5).</summary>
public enum CompareMode
{
    /// <summary>Default: copy when unsure.</summary>
    Checksum,
    /// <summary>Copy when the source is newer than the destination (beyond the mtime tolerance).</summary>
    SizeMtime,
    /// <summary>Equal sizes mean unchanged.</summary>
    SizeOnly,
}

/// <summary>Inputs of the plan that are not data.</summary>
/// <param name="Mode">Rule 5's comparison mode.</param>
/// <param name="MtimeTolerance">Two mtimes closer than this are equal (the coarser store's precision).</param>
public sealed record PlanOptions(CompareMode Mode, TimeSpan MtimeTolerance);

/// <summary>What the plan decides for one key.</summary>
public enum PlanAction
{
    /// <summary>Copy source to destination.</summary>
    Copy,
    /// <summary>Nothing to do.</summary>
    Unchanged,
    /// <summary>Nothing to do, and the ledger learns the pair (equal hashes, rule 3).</summary>
    UnchangedLearn,
    /// <summary>Destination-only key: delete if the finalizer allows.</summary>
    DeleteCandidate,
}

/// <summary>Why the plan decided as it did (for dry-run output and tests).</summary>
public enum PlanReason
{
    SourceOnly,
    DestinationOnly,
    LedgerMatch,
    HashEqual,
    HashDiffers,
    SizeDiffers,
    Unsure,
    SourceNewer,
    NotNewer,
    SizeEqual,
}

/// <summary>One decision of the planner.</summary>
public readonly record struct PlanDecision(PlanAction Action, PlanReason Reason);

/// <summary>The totals of a plan.</summary>
public sealed record PlanSummary
{
    public long SourceObjects { get; init; }
    public long SourceBytes { get; init; }
    public long DestinationObjects { get; init; }
    public long DestinationBytes { get; init; }
    public long CopyObjects { get; init; }
    public long CopyBytes { get; init; }
    public long UnchangedObjects { get; init; }
    public long DeleteObjects { get; init; }
    public long DeleteBytes { get; init; }
}
