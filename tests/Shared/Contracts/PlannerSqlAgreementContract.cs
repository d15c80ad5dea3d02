using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.Tests.Contracts;

/// <summary>
/// Holds every state store's SQL plan to <see cref="Planner.Decide"/>: random manifests and ledgers
/// drawn from small domains (so equal hashes, sizes, mtimes and fingerprints collide often), every key
/// compared. A store joins by deriving and returning a fresh, empty store from <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract class PlannerSqlAgreementContract
{
    private const int Keys = 400;
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1);

    /// <summary>A new, empty store; <paramref name="seed"/> tells the cases apart.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync(int seed);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(20261121)]
    public async Task PlanAsync_RandomManifests_AgreesWithPlannerForEveryKey(int seed)
    {
        await using var store = await CreateStoreAsync(seed);
        foreach (var mode in Enum.GetValues<CompareMode>())
        {
            await AssertAgreementAsync(store, new Random(seed), new PlanOptions(mode, Tolerance), $"seed {seed}, {mode}");
        }
    }

    private static async Task AssertAgreementAsync(IStateStore store, Random random, PlanOptions options, string label)
    {
        var job = await store.GetOrCreateJobAsync($"s3://src/{label}", $"gs://dst/{label}", CancellationToken.None);
        var cases = Enumerable.Range(0, Keys).Select(i => RandomCase(random, $"k{i:D3}")).ToList();
        await SeedLedgerAsync(store, job, cases.Select(c => c.Ledger).OfType<LedgerEntry>().ToList());
        var run = await ListedRunAsync(store, job, cases.Select(c => c.Source).OfType<ObjectEntry>(), cases.Select(c => c.Destination).OfType<ObjectEntry>());

        await store.PlanAsync(run.Id, options, CancellationToken.None);

        var copies = (await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, StringComparer.Ordinal);
        var deletes = (await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, StringComparer.Ordinal);
        var seen = new HashSet<PlanAction>();
        foreach (var c in cases)
        {
            var expected = Planner.Decide(c.Source, c.Destination, c.Ledger, options);
            seen.Add(expected.Action);
            var ledger = await store.GetLedgerAsync(job.Id, c.Key, CancellationToken.None);
            var where = $"{label}, key {c.Key} ({expected.Reason}): src {c.Source}, dst {c.Destination}, ledger {c.Ledger}";

            Assert.True(copies.ContainsKey(c.Key) == (expected.Action == PlanAction.Copy), $"copy task mismatch, {where}");
            Assert.True(deletes.ContainsKey(c.Key) == (expected.Action == PlanAction.DeleteCandidate), $"delete task mismatch, {where}");
            if (expected.Action == PlanAction.Copy)
            {
                Assert.Equal((c.Source!.Size, Fingerprint.Of(c.Source)), (copies[c.Key].Size, copies[c.Key].SourceFingerprint));
            }

            var ledgerPair = ledger is null ? null : (ledger.SourceFingerprint, ledger.DestinationFingerprint).ToString();
            var expectedPair = expected.Action == PlanAction.UnchangedLearn
                ? (Fingerprint.Of(c.Source!), Fingerprint.Of(c.Destination!)).ToString()
                : c.Ledger is null ? null : (c.Ledger.SourceFingerprint, c.Ledger.DestinationFingerprint).ToString();
            Assert.True(expectedPair == ledgerPair, $"ledger mismatch (expected {expectedPair}, found {ledgerPair}), {where}");
        }

        // The domains are small enough that every outcome occurs; if one never did, the test proved less.
        Assert.Equal(4, seen.Count);
    }

    private static Case RandomCase(Random random, string key)
    {
        var presence = random.Next(10);
        var source = presence < 8 ? RandomEntry(random, key) : null;
        var destination = presence >= 2 ? RandomEntry(random, key) : null;
        var ledger = random.Next(10) switch
        {
            // The current pair, so rule 2 fires (when both sides exist).
            < 3 when source is not null && destination is not null => new LedgerEntry(key, Fingerprint.Of(source), Fingerprint.Of(destination)),

            // Half right: one side changed since the copy.
            3 when source is not null => new LedgerEntry(key, Fingerprint.Of(source), Fingerprint.Of(RandomEntry(random, key))),
            4 when destination is not null => new LedgerEntry(key, Fingerprint.Of(RandomEntry(random, key)), Fingerprint.Of(destination)),

            // Drawn from the same domains: matches the listings only by chance.
            5 => new LedgerEntry(key, Fingerprint.Of(RandomEntry(random, key)), Fingerprint.Of(RandomEntry(random, key))),
            _ => null,
        };
        return new Case(key, source, destination, ledger);
    }

    private static ObjectEntry RandomEntry(Random random, string key) => Entry(
        key,
        random.Next(3),
        Pick(random, null, "aa", "AA", "bb"),
        Pick<uint?>(random, null, 1u, 2u),
        Pick(random, null, "e1", "e2-2"),
        Pick<DateTimeOffset?>(random, null, T0, T0.AddMilliseconds(500), T0 + Tolerance, T0.AddSeconds(2)),
        Pick(random, null, "v1"));

    private static T Pick<T>(Random random, params T[] values) => values[random.Next(values.Length)];

    private sealed record Case(string Key, ObjectEntry? Source, ObjectEntry? Destination, LedgerEntry? Ledger);
}
