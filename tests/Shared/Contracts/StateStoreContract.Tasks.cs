using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.Tests.Contracts;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task GetTasks_Paging_ReturnsEveryTaskOnceInIdOrder()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, Enumerable.Range(0, 7).Select(i => Entry($"k{i}", i)), []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        var first = await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Pending, 0, 3, CancellationToken.None);
        var second = await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Pending, first[^1].Id, 3, CancellationToken.None);
        var third = await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Pending, second[^1].Id, 3, CancellationToken.None);

        var all = first.Concat(second).Concat(third).ToList();
        Assert.Equal((3, 3, 1), (first.Count, second.Count, third.Count));
        Assert.Equal(all.Select(t => t.Id).Order(), all.Select(t => t.Id));
        Assert.Equal(7, all.Select(t => t.Key).Distinct().Count());
        Assert.Empty(await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Done, 0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task FilterPending_MixedTasks_ReturnsOnlyPendingOfThisRun()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1), Entry("b", 2), Entry("c", 3)], []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var tasks = await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending);
        var a = tasks.Single(t => t.Key == "a");
        await store.CompleteTasksAsync(run.Id, [new TaskOutcome(a.Id, WorkTaskStatus.Done, new LedgerEntry("a", "s", "d"), null)], CancellationToken.None);

        var pending = await store.FilterPendingAsync(run.Id, [.. tasks.Select(t => t.Id), 999_999], CancellationToken.None);

        Assert.Equal(tasks.Where(t => t.Key != "a").Select(t => t.Id).Order(), pending.Order());
        Assert.Empty(await store.FilterPendingAsync(run.Id + 1000, [.. tasks.Select(t => t.Id)], CancellationToken.None));
        Assert.Empty(await store.FilterPendingAsync(run.Id, [], CancellationToken.None));
    }

    [Fact]
    public async Task CompleteTasks_SecondOutcome_FirstOutcomeWins()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1), Entry("b", 2)], []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var tasks = await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending);
        var a = tasks.Single(t => t.Key == "a");
        var b = tasks.Single(t => t.Key == "b");

        await store.CompleteTasksAsync(run.Id, [new TaskOutcome(a.Id, WorkTaskStatus.Failed, null, "403 forbidden")], CancellationToken.None);
        await store.CompleteTasksAsync(run.Id, [
            new TaskOutcome(a.Id, WorkTaskStatus.Done, new LedgerEntry("a", "s", "d"), null),
            new TaskOutcome(b.Id, WorkTaskStatus.Vanished, null, null),
        ], CancellationToken.None);

        var failed = Assert.Single(await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Failed, 0, 10, CancellationToken.None));
        Assert.Equal((a.Id, "403 forbidden", 1), (failed.Id, failed.Error, failed.Attempts));
        Assert.Null(await store.GetLedgerAsync(job.Id, "a", CancellationToken.None));
        Assert.Equal(b.Id, Assert.Single(await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Vanished, 0, 10, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task CompleteTasks_DoneCopy_UpsertsLedger()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var verified = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await SeedLedgerAsync(store, job, [new LedgerEntry("k", "old-s", "old-d")]);
        var run = await ListedRunAsync(store, job, [Entry("k", 3)], [Entry("k", 2)]);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var task = Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending));

        var row = new LedgerEntry("k", "3:etag:x", "3:md5:abc") { Md5 = "ABC", Crc32c = 77, VerifiedAt = verified };
        await store.CompleteTasksAsync(run.Id, [new TaskOutcome(task.Id, WorkTaskStatus.Done, row, null)], CancellationToken.None);

        Assert.Equal(row with { Md5 = "abc" }, await store.GetLedgerAsync(job.Id, "k", CancellationToken.None));
        Assert.Equal(1, Assert.Single(await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Done, 0, 10, CancellationToken.None)).Attempts);
    }

    [Fact]
    public async Task CompleteTasks_DoneDelete_RemovesLedgerRow()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        await SeedLedgerAsync(store, job, [new LedgerEntry("gone", "s", "d"), new LedgerEntry("kept", "s", "d")]);
        var run = await ListedRunAsync(store, job, [], [Entry("gone", 1), Entry("kept", 1)]);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var deletes = await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending);

        await store.CompleteTasksAsync(run.Id, [
            new TaskOutcome(deletes.Single(t => t.Key == "gone").Id, WorkTaskStatus.Done, null, null),
            new TaskOutcome(deletes.Single(t => t.Key == "kept").Id, WorkTaskStatus.Failed, null, "denied"),
        ], CancellationToken.None);

        Assert.Null(await store.GetLedgerAsync(job.Id, "gone", CancellationToken.None));
        Assert.NotNull(await store.GetLedgerAsync(job.Id, "kept", CancellationToken.None));
    }

    [Fact]
    public async Task GetCounters_MixedOutcomes_CountsByActionAndStatus()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 10), Entry("b", 20), Entry("c", 30), Entry("d", 40), Entry("e", 50)], [Entry("x", 1), Entry("y", 2), Entry("z", 3)]);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var copies = (await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, t => t.Id);
        var deletes = (await AllTasksAsync(store, run.Id, TaskAction.Delete, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, t => t.Id);

        await store.CompleteTasksAsync(run.Id, [
            new TaskOutcome(copies["a"], WorkTaskStatus.Done, new LedgerEntry("a", "s", "d"), null),
            new TaskOutcome(copies["b"], WorkTaskStatus.Done, new LedgerEntry("b", "s", "d"), null),
            new TaskOutcome(copies["c"], WorkTaskStatus.Vanished, null, null),
            new TaskOutcome(copies["d"], WorkTaskStatus.Failed, null, "boom"),
            new TaskOutcome(deletes["x"], WorkTaskStatus.Done, null, null),
            new TaskOutcome(deletes["y"], WorkTaskStatus.Failed, null, "denied"),
        ], CancellationToken.None);

        var expected = new RunCounters
        {
            CopyPending = 1,
            CopyDone = 2,
            CopyDoneBytes = 30,
            CopyVanished = 1,
            CopyFailed = 1,
            DeletePending = 1,
            DeleteDone = 1,
            DeleteFailed = 1,
        };
        var counters = await store.GetCountersAsync(run.Id, CancellationToken.None);
        Assert.Equal(expected, counters);
        Assert.Equal(2, counters.Failed);
    }

    [Fact]
    public async Task MarkVerified_SomeKeys_StampsOnlyThose()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        await SeedLedgerAsync(store, job, [new LedgerEntry("a", "s", "d"), new LedgerEntry("b", "s", "d")]);
        var when = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await store.MarkVerifiedAsync(job.Id, ["a", "missing"], when, CancellationToken.None);

        Assert.Equal(when, (await store.GetLedgerAsync(job.Id, "a", CancellationToken.None))?.VerifiedAt);
        Assert.Null((await store.GetLedgerAsync(job.Id, "b", CancellationToken.None))?.VerifiedAt);
        Assert.Null(await store.GetLedgerAsync(job.Id, "missing", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteOldRunData_OlderRuns_LosesManifestsAndTasksButKeepsRunsAndLedger()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var other = await store.GetOrCreateJobAsync("s3://x", "s3://y", CancellationToken.None);
        await SeedLedgerAsync(store, job, [new LedgerEntry("k", "s", "d")]);
        var old = await ListedRunAsync(store, job, [Entry("a", 1)], [Entry("z", 1)]);
        await store.PlanAsync(old.Id, Checksum, CancellationToken.None);
        var otherRun = await ListedRunAsync(store, other, [Entry("a", 1)], []);
        await store.PlanAsync(otherRun.Id, Checksum, CancellationToken.None);
        var keep = await ListedRunAsync(store, job, [Entry("a", 1)], [Entry("z", 1)]);
        await store.PlanAsync(keep.Id, Checksum, CancellationToken.None);

        await store.DeleteOldRunDataAsync(job.Id, keep.Id, CancellationToken.None);

        Assert.Equal(0, await store.CountManifestAsync(old.Id, StoreSide.Source, CancellationToken.None));
        Assert.Equal(0, await store.CountManifestAsync(old.Id, StoreSide.Destination, CancellationToken.None));
        Assert.Equal(new RunCounters(), await store.GetCountersAsync(old.Id, CancellationToken.None));
        Assert.Equal(old.Id, (await store.GetRunAsync(old.Id, CancellationToken.None)).Id);
        Assert.Equal(1, await store.CountManifestAsync(keep.Id, StoreSide.Source, CancellationToken.None));
        Assert.Equal(new RunCounters { CopyPending = 1, DeletePending = 1 }, await store.GetCountersAsync(keep.Id, CancellationToken.None));
        Assert.Equal(1, await store.CountManifestAsync(otherRun.Id, StoreSide.Source, CancellationToken.None));
        Assert.NotNull(await store.GetLedgerAsync(job.Id, "k", CancellationToken.None));
    }

    [Fact]
    public async Task IngestAndPlan_200kRows_CountsAddUp()
    {
        const int keys = 200_000;
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://big", "gs://big", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);

        // Source: every key. Destination: even keys with the same MD5 (unchanged), keys ≡ 1 (mod 4)
        // with another MD5 (copy), the rest absent (copy), plus 1,000 destination-only keys (delete).
        for (var start = 0; start < keys; start += 10_000)
        {
            var range = Enumerable.Range(start, 10_000);
            var source = range.Select(i => Entry($"data/{i:D7}", 100, md5: $"{i:x32}")).ToList();
            var destination = range.Where(i => i % 4 != 3).Select(i => Entry($"data/{i:D7}", 100, md5: i % 2 == 0 ? $"{i:x32}" : "ff")).ToList();
            await store.AddManifestBatchAsync(run.Id, StoreSide.Source, source, source[^1].Key, CancellationToken.None);
            await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, destination, destination[^1].Key, CancellationToken.None);
        }

        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, Enumerable.Range(0, 1000).Select(i => Entry($"extra/{i}", 5)).ToList(), null, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Source, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Destination, CancellationToken.None);

        var summary = await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        Assert.Equal(keys, await store.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
        Assert.Equal(new PlanSummary
        {
            SourceObjects = keys,
            SourceBytes = keys * 100L,
            DestinationObjects = keys * 3 / 4 + 1000,
            DestinationBytes = keys * 3 / 4 * 100L + 5000,
            CopyObjects = keys / 2,
            CopyBytes = keys / 2 * 100L,
            UnchangedObjects = keys / 2,
            DeleteObjects = 1000,
            DeleteBytes = 5000,
        }, summary);
        Assert.Equal(new RunCounters { CopyPending = keys / 2, DeletePending = 1000 }, await store.GetCountersAsync(run.Id, CancellationToken.None));
        Assert.Equal(Fingerprint.Of(Entry("data/0000000", 100, md5: $"{0:x32}")), (await store.GetLedgerAsync(job.Id, "data/0000000", CancellationToken.None))?.SourceFingerprint);
    }
}
