using HeavySync.State;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.Tests.Contracts;

public abstract partial class StateStoreContract
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Fact]
    public async Task AddManifestBatch_RepeatedBatch_ReplacesRowsAndSavesResumePoint()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);

        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 1), Entry("b", 2)], "b", CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 1), Entry("b", 20)], "b", CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("c", 3)], null, CancellationToken.None);

        Assert.Equal(3, await store.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
        Assert.Equal(0, await store.CountManifestAsync(run.Id, StoreSide.Destination, CancellationToken.None));
        var rows = await store.SampleManifestAsync(run.Id, StoreSide.Source, 10, 1, CancellationToken.None);
        Assert.Equal(20, rows.Single(r => r.Key == "b").Size);
        var saved = await store.GetRunAsync(run.Id, CancellationToken.None);
        Assert.Equal("b", saved.SourceResumeAfter);
        Assert.Null(saved.DestinationResumeAfter);
    }

    [Fact]
    public async Task AddManifestBatch_AllFields_RoundTrip()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        var full = Entry("dir/full", long.MaxValue / 2, "0123abcd", uint.MaxValue, "3858f62230ac3c915f300c664312c63f-2", T0.AddTicks(1), "v7");
        var bare = Entry("bare", 0);

        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, [full, bare], null, CancellationToken.None);

        var rows = (await store.SampleManifestAsync(run.Id, StoreSide.Destination, 5, 3, CancellationToken.None)).ToDictionary(r => r.Key);
        Assert.Equal(full, rows["dir/full"]);
        Assert.Equal(bare, rows["bare"]);
    }

    [Fact]
    public async Task AddManifestBatch_UpperCaseMd5_StoredLowerCase()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);

        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("k", 1, md5: "ABCDEF")], null, CancellationToken.None);

        Assert.Equal("abcdef", (await store.SampleManifestAsync(run.Id, StoreSide.Source, 1, 0, CancellationToken.None)).Single().Md5);
    }

    [Fact]
    public async Task AddManifestBatch_KeysDifferingOnlyInCaseOrNormalisation_StayDistinct()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        string[] keys = ["a", "A", "\u00e9", "e\u0301", "a/b", "a b", "\U0001F600"];
        var run = await ListedRunAsync(store, job, keys.Select(k => Entry(k, 1)), []);

        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        Assert.Equal(keys.Length, await store.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
        var copied = await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending);
        Assert.Equal(keys.Order(StringComparer.Ordinal), copied.Select(t => t.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddManifestBatch_AfterListingComplete_Throws()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1)], []);

        await Assert.ThrowsAsync<StateStoreException>(
            () => store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("b", 1)], null, CancellationToken.None));
        Assert.Equal(1, await store.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
    }

    [Fact]
    public async Task AddManifestBatch_KeyTwiceInOneBatch_LastRowWins()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("k", 1), Entry("j", 5)], null, CancellationToken.None);

        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("k", 2), Entry("k", 3), Entry("j", 6)], null, CancellationToken.None);

        var rows = (await store.SampleManifestAsync(run.Id, StoreSide.Source, 10, 1, CancellationToken.None)).ToDictionary(e => e.Key, e => e.Size);
        Assert.Equal(new Dictionary<string, long> { ["k"] = 3, ["j"] = 6 }, rows);
    }

    [Fact]
    public async Task MarkListingComplete_OneSide_FlagsOnlyThatSideAndClearsItsResumePoint()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 1)], "a", CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, [Entry("x", 1)], "x", CancellationToken.None);

        await store.MarkListingCompleteAsync(run.Id, StoreSide.Source, CancellationToken.None);

        var saved = await store.GetRunAsync(run.Id, CancellationToken.None);
        Assert.True(saved.SourceListed);
        Assert.False(saved.DestinationListed);
        Assert.Null(saved.SourceResumeAfter);
        Assert.Equal("x", saved.DestinationResumeAfter);
    }

    [Fact]
    public async Task ResetListing_OneSide_ForgetsItsRowsAndResumePointOnly()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 1), Entry("b", 1)], "b", CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, [Entry("a", 1)], "a", CancellationToken.None);

        await store.ResetListingAsync(run.Id, StoreSide.Source, CancellationToken.None);

        var saved = await store.GetRunAsync(run.Id, CancellationToken.None);
        Assert.Equal(0, await store.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
        Assert.Equal(1, await store.CountManifestAsync(run.Id, StoreSide.Destination, CancellationToken.None));
        Assert.Null(saved.SourceResumeAfter);
        Assert.False(saved.SourceListed);
        Assert.Equal("a", saved.DestinationResumeAfter);
    }

    [Fact]
    public async Task SampleManifest_SameSeed_SameSampleOfRequestedSize()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, Enumerable.Range(0, 1000).Select(i => Entry($"k{i:D4}", i)).ToList(), null, CancellationToken.None);

        var first = await store.SampleManifestAsync(run.Id, StoreSide.Source, 50, 7, CancellationToken.None);
        var again = await store.SampleManifestAsync(run.Id, StoreSide.Source, 50, 7, CancellationToken.None);
        var other = await store.SampleManifestAsync(run.Id, StoreSide.Source, 50, 8, CancellationToken.None);

        Assert.Equal(50, first.Count);
        Assert.Equal(50, first.Select(e => e.Key).Distinct().Count());
        Assert.Equal(first.Select(e => e.Key).Order(), again.Select(e => e.Key).Order());
        Assert.NotEqual(first.Select(e => e.Key).Order(), other.Select(e => e.Key).Order());
        Assert.All(first, e => Assert.Equal(e.Size, int.Parse(e.Key[1..], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task SampleManifest_CountBeyondRows_ReturnsEveryRowOfThatSideOnce()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 1), Entry("b", 1)], null, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, [Entry("z", 1)], null, CancellationToken.None);

        var sample = await store.SampleManifestAsync(run.Id, StoreSide.Source, 10, 1, CancellationToken.None);

        Assert.Equal(["a", "b"], sample.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Empty(await store.SampleManifestAsync(run.Id, StoreSide.Source, 0, 1, CancellationToken.None));
    }

    [Fact]
    public async Task SampleManifest_ManySeeds_EveryRowIsChosenSometimes()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, Enumerable.Range(0, 100).Select(i => Entry($"p/{i}", 1)).ToList(), null, CancellationToken.None);

        // 200 samples of 10 out of 100: each row is expected 20 times; a uniform sampler misses
        // any given row with probability about 1e-9, a skewed one (say, by key order) misses many.
        var hits = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var seed = 0; seed < 200; seed++)
        {
            foreach (var entry in await store.SampleManifestAsync(run.Id, StoreSide.Source, 10, seed, CancellationToken.None))
            {
                hits[entry.Key] = hits.GetValueOrDefault(entry.Key) + 1;
            }
        }

        Assert.Equal(100, hits.Count);
        Assert.All(hits.Values, h => Assert.InRange(h, 3, 60));
    }
}
