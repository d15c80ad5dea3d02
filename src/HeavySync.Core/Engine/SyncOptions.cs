using HeavySync.Finalizing;
using HeavySync.Planning;

namespace HeavySync.Engine;

/// <summary>Options of one sync, bound from CLI flags, environment and config file alike.</summary>
public sealed record SyncOptions
{
    /// <summary>Rule 5 of the plan (default <see cref="CompareMode.Checksum"/>: copy when unsure).</summary>
    public CompareMode Compare { get; init; } = CompareMode.Checksum;

    /// <summary>Objects copied at once (default 16).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>--include / --exclude (default: everything).</summary>
    public KeyFilter Filter { get; init; } = KeyFilter.All;

    /// <summary>List and plan, print the plan, change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Never delete destination-only objects.</summary>
    public bool NoDelete { get; init; }

    /// <summary>Largest deletion a run may make (default <see cref="DeleteCap.Default"/>).</summary>
    public DeleteCap MaxDelete { get; init; } = DeleteCap.Default;

    /// <summary>Let an empty source empty the destination.</summary>
    public bool AllowEmptySource { get; init; }

    /// <summary>Deliveries of one message before its remaining tasks are failed (default 5).</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>Most tasks in one queue message (default 100, DESIGN.md §9): queue requests grow with
    /// messages, not objects, and a copier runs the tasks of one message side by side.</summary>
    public int TasksPerMessage { get; init; } = 100;

    /// <summary>Most bytes of objects in one queue message (default 256 MiB).</summary>
    public long BytesPerMessage { get; init; } = 256L * 1024 * 1024;

    /// <summary>Most manifest rows per state-store batch while listing (default 10,000). Each batch is
    /// saved with its resume point, so a killed lister loses at most one batch: this many rows, or
    /// what was listed in <see cref="ListingBatchInterval"/>, whichever is less. Per-batch costs
    /// (a transaction, a COPY, the resume point) dominate small batches: 1,000-row batches took
    /// about twice the CPU per row of 10,000-row ones (docs/benchmarks.md).</summary>
    public int ListingBatchSize { get; init; } = 10_000;

    /// <summary>Longest time a listing batch collects rows before it is saved (default 1 s, counted
    /// from the batch's first row), so a slow listing still saves its resume point that often.</summary>
    public TimeSpan ListingBatchInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>When set, the finalizer deletes noncurrent versions older than this (versioned stores).</summary>
    public TimeSpan? PruneVersionsOlderThan { get; init; }

    /// <summary>How many planned actions a dry run prints per kind (default 20).</summary>
    public int DryRunShow { get; init; } = 20;
}
