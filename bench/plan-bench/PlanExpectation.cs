using HeavySync.Planning;
using HeavySync.State;

namespace HeavySync.Bench.Plan;

/// <summary>
/// What a correct plan of the synthetic listings produces, decided key by key by the in-memory
/// <see cref="Planner.Decide"/> (the rules the SQL must mirror) and streamed in key order, never
/// collected. Listings are the same in every run, so the ledger a run starts with is what the runs
/// before it learned: for run 2 onwards, every pair the first plan found equal by hash.
/// </summary>
internal sealed class PlanExpectation(SyntheticKeySpace space, PlanOptions options)
{
    /// <summary>Expected totals of one run.</summary>
    public PlanSummary Summary(bool ledgerKnown)
    {
        long copy = 0, copyBytes = 0, unchanged = 0, delete = 0, deleteBytes = 0, sourceBytes = 0, destinationBytes = 0;
        for (var u = 0; u < space.Universe; u++)
        {
            var (source, destination, decision) = Decide(u, ledgerKnown);
            sourceBytes += source?.Size ?? 0;
            destinationBytes += destination?.Size ?? 0;
            switch (decision)
            {
                case PlanAction.Copy:
                    copy++;
                    copyBytes += source!.Size;
                    break;
                case PlanAction.DeleteCandidate:
                    delete++;
                    deleteBytes += destination!.Size;
                    break;
                default:
                    unchanged++;
                    break;
            }
        }

        return new PlanSummary
        {
            SourceObjects = space.ObjectsPerSide,
            SourceBytes = sourceBytes,
            DestinationObjects = space.ObjectsPerSide,
            DestinationBytes = destinationBytes,
            CopyObjects = copy,
            CopyBytes = copyBytes,
            UnchangedObjects = unchanged,
            DeleteObjects = delete,
            DeleteBytes = deleteBytes,
        };
    }

    /// <summary>The run's tasks in key order.</summary>
    public IEnumerable<ExpectedTask> Tasks(bool ledgerKnown)
    {
        for (var u = 0; u < space.Universe; u++)
        {
            var (source, destination, decision) = Decide(u, ledgerKnown);
            if (decision == PlanAction.Copy)
            {
                yield return new ExpectedTask(source!.Key, TaskAction.Copy, source.Size, Fingerprint.Of(source));
            }
            else if (decision == PlanAction.DeleteCandidate)
            {
                yield return new ExpectedTask(destination!.Key, TaskAction.Delete, destination.Size, null);
            }
        }
    }

    /// <summary>The ledger after any run, in key order.</summary>
    public IEnumerable<ExpectedLedgerRow> Ledger()
    {
        for (var u = 0; u < space.Universe; u++)
        {
            if (Learned(u) is { } entry)
            {
                yield return new ExpectedLedgerRow(entry.Key, entry.SourceFingerprint, entry.DestinationFingerprint);
            }
        }
    }

    private (Storage.ObjectEntry? Source, Storage.ObjectEntry? Destination, PlanAction Decision) Decide(int u, bool ledgerKnown)
    {
        var source = SyntheticKeySpace.Source(u);
        var destination = SyntheticKeySpace.Destination(u);
        var ledger = ledgerKnown ? Learned(u) : null;
        return (source, destination, Planner.Decide(source, destination, ledger, options).Action);
    }

    /// <summary>The pair the first plan learns for key u (rule 3), or null.</summary>
    private LedgerEntry? Learned(int u)
    {
        var source = SyntheticKeySpace.Source(u);
        var destination = SyntheticKeySpace.Destination(u);
        return Planner.Decide(source, destination, null, options).Action == PlanAction.UnchangedLearn
            ? new LedgerEntry(source!.Key, Fingerprint.Of(source), Fingerprint.Of(destination!))
            : null;
    }
}
