using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Planning;

/// <summary>
/// Decides what to do with one key (DESIGN.md §4). A pure function of (source, destination, ledger,
/// options): the SQL planners in HeavySync.State implement exactly these rules set-based, and a
/// property test holds the two to agreement.
/// </summary>
public static class Planner
{
    /// <summary>Decides for one key. At least one of <paramref name="source"/> and <paramref name="destination"/> is set.</summary>
    public static PlanDecision Decide(ObjectEntry? source, ObjectEntry? destination, LedgerEntry? ledger, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Rule 1: one side only.
        if (source is null)
        {
            return destination is null
                ? throw new ArgumentException("a key needs at least one side")
                : new(PlanAction.DeleteCandidate, PlanReason.DestinationOnly);
        }

        if (destination is null)
        {
            return new(PlanAction.Copy, PlanReason.SourceOnly);
        }

        // Rule 2: the ledger remembers this exact pair.
        if (ledger is not null
            && ledger.SourceFingerprint == Fingerprint.Of(source)
            && ledger.DestinationFingerprint == Fingerprint.Of(destination))
        {
            return new(PlanAction.Unchanged, PlanReason.LedgerMatch);
        }

        // Rule 3: comparable content hashes decide (MD5 first, then CRC32C).
        if (source.Md5 is not null && destination.Md5 is not null)
        {
            return string.Equals(source.Md5, destination.Md5, StringComparison.OrdinalIgnoreCase) && source.Size == destination.Size
                ? new(PlanAction.UnchangedLearn, PlanReason.HashEqual)
                : new(PlanAction.Copy, PlanReason.HashDiffers);
        }

        if (source.Crc32c is not null && destination.Crc32c is not null)
        {
            return source.Crc32c == destination.Crc32c && source.Size == destination.Size
                ? new(PlanAction.UnchangedLearn, PlanReason.HashEqual)
                : new(PlanAction.Copy, PlanReason.HashDiffers);
        }

        // Rule 4: sizes differ.
        if (source.Size != destination.Size)
        {
            return new(PlanAction.Copy, PlanReason.SizeDiffers);
        }

        // Rule 5: the comparison mode decides.
        return options.Mode switch
        {
            CompareMode.SizeOnly => new(PlanAction.Unchanged, PlanReason.SizeEqual),
            CompareMode.SizeMtime => IsNewer(source, destination, options.MtimeTolerance)
                ? new(PlanAction.Copy, PlanReason.SourceNewer)
                : new(PlanAction.Unchanged, PlanReason.NotNewer),
            _ => new(PlanAction.Copy, PlanReason.Unsure),
        };
    }

    /// <summary>Source newer than destination by more than the tolerance; unknown mtimes count as newer (copy when unsure).</summary>
    private static bool IsNewer(ObjectEntry source, ObjectEntry destination, TimeSpan tolerance)
    {
        if (source.LastModified is not { } s || destination.LastModified is not { } d)
        {
            return true;
        }

        return Fingerprint.UnixTicks(s) - Fingerprint.UnixTicks(d) > tolerance.Ticks;
    }
}
