using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;
using Side = (long Size, string? Md5, uint? Crc, string? ETag, int? Seconds);

namespace HeavySync.Tests.Contracts;

public abstract partial class StateStoreContract
{
    /// <summary>What the plan should do with one key of a rule-table case.</summary>
    private enum Expected
    {
        Copy,
        Delete,
        Unchanged,
        Learn,
    }

    /// <summary>One key of the rule table: both sides, an optional seeded ledger row, the expected outcome.</summary>
    private sealed record RuleCase(string Key, ObjectEntry? Source, ObjectEntry? Destination, bool LedgerOfCurrentPair, bool StaleLedger, Expected Expected);

    /// <summary>A case; each side is (size, md5, crc32c, etag, mtime as seconds after T0), or null when absent.</summary>
    private static RuleCase Case(string key, Side? source, Side? destination, Expected expected, bool ledger = false, bool staleLedger = false) =>
        new(key, Make(key, source), Make(key, destination), ledger, staleLedger, expected);

    private static ObjectEntry? Make(string key, Side? side) =>
        side is { } s ? Entry(key, s.Size, s.Md5, s.Crc, s.ETag, s.Seconds is { } sec ? T0.AddSeconds(sec) : null) : null;

    /// <summary>Every rule of DESIGN.md §4 for the checksum mode, one key each.</summary>
    private static readonly RuleCase[] ChecksumCases =
    [
        Case("r1/source-only", (5, null, null, null, null), null, Expected.Copy),
        Case("r1/destination-only", null, (7, null, null, null, null), Expected.Delete),
        Case("r2/ledger-matches", (5, null, null, "abc-2", null), (5, null, 9u, null, null), Expected.Unchanged, ledger: true),
        Case("r2/ledger-matches-despite-differing-md5", (5, "aa", null, null, null), (5, "bb", null, null, null), Expected.Unchanged, ledger: true),
        Case("r2/ledger-stale", (5, null, null, "abc-2", null), (5, null, 9u, null, null), Expected.Copy, staleLedger: true),
        Case("r3/md5-equal", (3, "ab12", null, null, null), (3, "ab12", null, null, null), Expected.Learn),
        Case("r3/md5-equal-ignoring-case", (3, "AB12", null, null, null), (3, "ab12", null, null, null), Expected.Learn),
        Case("r3/md5-equal-after-stale-ledger", (3, "ab12", null, null, null), (3, "ab12", null, null, null), Expected.Learn, staleLedger: true),
        Case("r3/md5-differs", (3, "ab12", null, null, null), (3, "cd34", null, null, null), Expected.Copy),
        Case("r3/md5-equal-size-differs", (3, "ab12", null, null, null), (4, "ab12", null, null, null), Expected.Copy),
        Case("r3/md5-decides-before-crc", (3, "ab12", 1u, null, null), (3, "ab12", 2u, null, null), Expected.Learn),
        Case("r3/md5-differs-crc-equal", (3, "ab12", 1u, null, null), (3, "cd34", 1u, null, null), Expected.Copy),
        Case("r3/crc-equal", (3, null, 1u, null, null), (3, "ab12", 1u, null, null), Expected.Learn),
        Case("r3/crc-differs", (3, null, 1u, null, null), (3, null, 2u, null, null), Expected.Copy),
        Case("r3/crc-equal-size-differs", (3, null, 1u, null, null), (4, null, 1u, null, null), Expected.Copy),
        Case("r4/size-differs", (3, null, null, "e1", 0), (4, null, null, "e1", 0), Expected.Copy),
        Case("r5/checksum-unsure", (3, null, null, "e1", 0), (3, null, 1u, "e1", 0), Expected.Copy),
    ];

    /// <summary>Rule 5 in the size-mtime mode (tolerance 1 s).</summary>
    private static readonly RuleCase[] SizeMtimeCases =
    [
        Case("m/newer-beyond-tolerance", (3, null, null, null, 2), (3, null, null, null, 0), Expected.Copy),
        Case("m/newer-by-exactly-tolerance", (3, null, null, null, 1), (3, null, null, null, 0), Expected.Unchanged),
        Case("m/same-time", (3, null, null, null, 0), (3, null, null, null, 0), Expected.Unchanged),
        Case("m/older", (3, null, null, null, 0), (3, null, null, null, 5), Expected.Unchanged),
        Case("m/source-mtime-unknown", (3, null, null, null, null), (3, null, null, null, 0), Expected.Copy),
        Case("m/destination-mtime-unknown", (3, null, null, null, 0), (3, null, null, null, null), Expected.Copy),
        Case("m/size-differs-older", (3, null, null, null, 0), (4, null, null, null, 5), Expected.Copy),
        Case("m/hash-beats-mtime", (3, "ab", null, null, 9), (3, "ab", null, null, 0), Expected.Learn),
    ];

    /// <summary>Rule 5 in the size-only mode.</summary>
    private static readonly RuleCase[] SizeOnlyCases =
    [
        Case("s/size-equal", (3, null, null, null, 9), (3, null, null, null, 0), Expected.Unchanged),
        Case("s/size-differs", (3, null, null, null, 0), (2, null, null, null, 0), Expected.Copy),
        Case("s/hash-differs", (3, "ab", null, null, 0), (3, "cd", null, null, 0), Expected.Copy),
    ];

    [Fact]
    public Task PlanAsync_ChecksumMode_FollowsEveryRule() => AssertRuleTableAsync(ChecksumCases, Checksum);

    [Fact]
    public Task PlanAsync_SizeMtimeMode_CopiesOnlyNewerSources() =>
        AssertRuleTableAsync(SizeMtimeCases, new PlanOptions(CompareMode.SizeMtime, TimeSpan.FromSeconds(1)));

    [Fact]
    public Task PlanAsync_SizeOnlyMode_EqualSizesAreUnchanged() =>
        AssertRuleTableAsync(SizeOnlyCases, new PlanOptions(CompareMode.SizeOnly, TimeSpan.Zero));

    [Fact]
    public async Task PlanAsync_IncompleteListing_ThrowsAndPlansNothing()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 1)], null, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, [Entry("z", 1)], null, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Source, CancellationToken.None);

        await Assert.ThrowsAsync<StateStoreException>(() => store.PlanAsync(run.Id, Checksum, CancellationToken.None));

        var saved = await store.GetRunAsync(run.Id, CancellationToken.None);
        Assert.Equal(RunPhase.Listing, saved.Phase);
        Assert.Null(saved.Plan);
        Assert.Equal(new RunCounters(), await store.GetCountersAsync(run.Id, CancellationToken.None));
    }

    [Fact]
    public async Task PlanAsync_Twice_ReturnsStoredSummaryWithoutNewTasks()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 10), Entry("b", 20, "aa"), Entry("c", 5)], [Entry("b", 20, "aa"), Entry("c", 6), Entry("z", 7)]);

        var first = await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var second = await store.PlanAsync(run.Id, new PlanOptions(CompareMode.SizeOnly, TimeSpan.Zero), CancellationToken.None);

        var expected = new PlanSummary
        {
            SourceObjects = 3,
            SourceBytes = 35,
            DestinationObjects = 3,
            DestinationBytes = 33,
            CopyObjects = 2,
            CopyBytes = 15,
            UnchangedObjects = 1,
            DeleteObjects = 1,
            DeleteBytes = 7,
        };
        Assert.Equal(expected, first);
        Assert.Equal(expected, second);
        var saved = await store.GetRunAsync(run.Id, CancellationToken.None);
        Assert.Equal(expected, saved.Plan);
        Assert.Equal(RunPhase.Copying, saved.Phase);
        Assert.Equal(new RunCounters { CopyPending = 2, DeletePending = 1 }, await store.GetCountersAsync(run.Id, CancellationToken.None));
    }

    [Fact]
    public async Task PlanAsync_CopyTask_CarriesSourceSizeAndFingerprint()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var source = Entry("k", 42, etag: "e-3", version: "g9");
        var run = await ListedRunAsync(store, job, [source], [Entry("k", 41), Entry("old", 8)]);

        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        var copy = Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending));
        Assert.Equal(("k", 42L, Fingerprint.Of(source), 0, (string?)null), (copy.Key, copy.Size, copy.SourceFingerprint, copy.Attempts, copy.Error));
        var delete = Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending));
        Assert.Equal(("old", 8L, run.Id), (delete.Key, delete.Size, delete.RunId));
    }

    [Fact]
    public async Task PlanAsync_KeysThatUtf16OrdersOtherwise_MatchedExactlyAndTasksInUtf8ByteOrder()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://order", "gs://order", CancellationToken.None);
        string[] keys = [Utf8KeyOrder.Emoji, "order/z.txt", Utf8KeyOrder.Fullwidth, "order/é.txt", "order/A.txt"];
        var bytewise = keys.Order(Utf8KeyOrder.Instance).ToList();
        Assert.NotEqual(keys.Order(StringComparer.Ordinal), bytewise); // the case separates the orders

        // Equal on both sides except the emoji's size: only it is copied; the destination also has
        // an emoji key one code point away, which must not match it.
        var run = await ListedRunAsync(
            store,
            job,
            keys.Select(k => Entry(k, k == Utf8KeyOrder.Emoji ? 2 : 1, "ab12")),
            keys.Select(k => Entry(k, 1, "ab12")).Append(Entry("order/😁.txt", 1, "ab12")));
        var summary = await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        Assert.Equal(1, summary.CopyObjects);
        Assert.Equal(Utf8KeyOrder.Emoji, Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending)).Key);
        Assert.Equal("order/😁.txt", Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending)).Key);

        // A run that copies every key numbers its tasks in UTF-8 byte order of the keys.
        await store.SetRunPhaseAsync(run.Id, RunPhase.Done, null, CancellationToken.None);
        var all = await ListedRunAsync(store, job, keys.Select(k => Entry(k, 5)), []);
        await store.PlanAsync(all.Id, Checksum, CancellationToken.None);
        Assert.Equal(bytewise, (await AllTasksAsync(store, all.Id, TaskAction.Copy, WorkTaskStatus.Pending)).Select(t => t.Key));
    }

    [Fact]
    public async Task PlanAsync_Tasks_CarryWhatTheDestinationListingSaw()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "gs://b", CancellationToken.None);
        var run = await ListedRunAsync(
            store,
            job,
            [Entry("changed", 2), Entry("changed-unversioned", 2), Entry("new", 1)],
            [Entry("changed", 3, version: "1005"), Entry("changed-unversioned", 3), Entry("old", 4, version: "1007"), Entry("old-unversioned", 5)]);

        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        var copies = (await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, t => t.ExpectedDestination, StringComparer.Ordinal);
        var deletes = (await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, t => t.ExpectedDestination, StringComparer.Ordinal);
        Assert.Equal(ExpectedDestination.Absent, copies["new"]);
        Assert.Equal(ExpectedDestination.AtVersion("1005"), copies["changed"]);
        Assert.Null(copies["changed-unversioned"]);
        Assert.Equal(ExpectedDestination.AtVersion("1007"), deletes["old"]);
        Assert.Null(deletes["old-unversioned"]);
    }

    [Fact]
    public async Task PlanAsync_EmptyListings_PlansNothing()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [], []);

        Assert.Equal(new PlanSummary(), await store.PlanAsync(run.Id, Checksum, CancellationToken.None));
    }

    private async Task AssertRuleTableAsync(RuleCase[] cases, PlanOptions options)
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://rules", "gs://rules", CancellationToken.None);
        var seeded = cases.Select(SeededLedger).OfType<LedgerEntry>().ToList();
        await SeedLedgerAsync(store, job, seeded);
        var run = await ListedRunAsync(store, job, cases.Select(c => c.Source).OfType<ObjectEntry>(), cases.Select(c => c.Destination).OfType<ObjectEntry>());

        var summary = await store.PlanAsync(run.Id, options, CancellationToken.None);

        var copies = (await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending)).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var deletes = (await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending)).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            var ledger = await store.GetLedgerAsync(job.Id, c.Key, CancellationToken.None);
            var learned = c.Source is not null && c.Destination is not null && ledger is not null
                && ledger.SourceFingerprint == Fingerprint.Of(c.Source) && ledger.DestinationFingerprint == Fingerprint.Of(c.Destination)
                && !c.LedgerOfCurrentPair;
            var actual = copies.Contains(c.Key) ? Expected.Copy
                : deletes.Contains(c.Key) ? Expected.Delete
                : learned ? Expected.Learn
                : Expected.Unchanged;
            Assert.True(c.Expected == actual, $"{c.Key}: expected {c.Expected}, planned {actual}");
            Assert.True(c.Expected == ToExpected(Planner.Decide(c.Source, c.Destination, SeededLedger(c), options).Action), $"{c.Key}: the table disagrees with Planner.Decide");
        }

        Assert.Equal(cases.Count(c => c.Expected == Expected.Copy), summary.CopyObjects);
        Assert.Equal(cases.Count(c => c.Expected == Expected.Delete), summary.DeleteObjects);
        Assert.Equal(cases.Count(c => c.Expected is Expected.Unchanged or Expected.Learn), summary.UnchangedObjects);
    }

    /// <summary>The ledger row a case seeds before its run: of the current pair, stale, or none.</summary>
    private static LedgerEntry? SeededLedger(RuleCase c) =>
        c.LedgerOfCurrentPair ? new LedgerEntry(c.Key, Fingerprint.Of(c.Source!), Fingerprint.Of(c.Destination!))
        : c.StaleLedger ? new LedgerEntry(c.Key, "1:etag:old", Fingerprint.Of(c.Destination!))
        : null;

    private static Expected ToExpected(PlanAction action) => action switch
    {
        PlanAction.Copy => Expected.Copy,
        PlanAction.DeleteCandidate => Expected.Delete,
        PlanAction.UnchangedLearn => Expected.Learn,
        _ => Expected.Unchanged,
    };
}
