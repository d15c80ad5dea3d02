using HeavySync.Planning;
using HeavySync.State;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.Tests.Contracts;

/// <summary>
/// The <see cref="IStateStore"/> contract, run against every implementation: an implementation joins
/// by deriving and returning a fresh, empty, migrated store from <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract partial class StateStoreContract
{
    /// <summary>Plan options most tests use.</summary>
    protected static readonly PlanOptions Checksum = new(CompareMode.Checksum, TimeSpan.FromSeconds(1));

    /// <summary>A new, empty store; each call gets its own.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    [Fact]
    public async Task GetOrCreateJob_SamePairTwice_ReturnsSameJob()
    {
        await using var store = await CreateStoreAsync();

        var first = await store.GetOrCreateJobAsync("s3://a/p", "file:///d", CancellationToken.None);
        var second = await store.GetOrCreateJobAsync("s3://a/p", "file:///d", CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal("s3://a/p", first.Source);
        Assert.Equal("file:///d", first.Destination);
    }

    [Fact]
    public async Task FindJob_UnknownPair_ReturnsNull()
    {
        await using var store = await CreateStoreAsync();
        await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);

        Assert.Null(await store.FindJobAsync("s3://a", "s3://c", CancellationToken.None));
        Assert.NotNull(await store.FindJobAsync("s3://a", "s3://b", CancellationToken.None));
    }

    [Fact]
    public async Task ListJobs_SeveralJobs_OldestFirst()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var b = await store.GetOrCreateJobAsync("s3://b", "s3://a", CancellationToken.None);
        var c = await store.GetOrCreateJobAsync("s3://a", "gs://b", CancellationToken.None);

        var jobs = await store.ListJobsAsync(CancellationToken.None);

        Assert.Equal([a.Id, b.Id, c.Id], jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task CreateRun_TwoJobs_NumbersPerJobFromOneInListing()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var b = await store.GetOrCreateJobAsync("s3://c", "s3://d", CancellationToken.None);

        var a1 = await store.CreateRunAsync(a.Id, CancellationToken.None);
        var a2 = await store.CreateRunAsync(a.Id, CancellationToken.None);
        var b1 = await store.CreateRunAsync(b.Id, CancellationToken.None);

        Assert.Equal((1, 2, 1), (a1.Number, a2.Number, b1.Number));
        Assert.Equal(RunPhase.Listing, a1.Phase);
        Assert.False(a1.SourceListed || a1.DestinationListed);
        Assert.Null(a1.Plan);
        Assert.Null(a1.FinishedAt);
        Assert.Equal(a1, await store.GetRunAsync(a1.Id, CancellationToken.None));
    }

    [Fact]
    public async Task GetRun_Missing_Throws()
    {
        await using var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<StateStoreException>(() => store.GetRunAsync(424242, CancellationToken.None));
    }

    [Fact]
    public async Task ListRuns_ManyRuns_NewestFirstUpToLimit()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        for (var i = 0; i < 4; i++)
        {
            await store.CreateRunAsync(job.Id, CancellationToken.None);
        }

        var runs = await store.ListRunsAsync(job.Id, 3, CancellationToken.None);

        Assert.Equal([4, 3, 2], runs.Select(r => r.Number));
    }

    [Fact]
    public async Task SetRunPhase_ThroughLifecycle_EndsFinishedWithReport()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("k", 1)], []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);

        await store.SetRunPhaseAsync(run.Id, RunPhase.Finalizing, null, CancellationToken.None);
        var finalizing = await store.GetRunAsync(run.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(run.Id, RunPhase.Done, "1 copied", CancellationToken.None);
        var done = await store.GetRunAsync(run.Id, CancellationToken.None);

        Assert.Equal(RunPhase.Finalizing, finalizing.Phase);
        Assert.Null(finalizing.FinishedAt);
        Assert.Equal(RunPhase.Done, done.Phase);
        Assert.True(done.IsFinished);
        Assert.Equal("1 copied", done.Report);
        Assert.NotNull(done.FinishedAt);
        Assert.True(done.FinishedAt >= done.StartedAt);
    }

    [Fact]
    public async Task SetRunPhase_Backward_Throws()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(run.Id, RunPhase.Done, null, CancellationToken.None);

        await Assert.ThrowsAsync<StateStoreException>(() => store.SetRunPhaseAsync(run.Id, RunPhase.Copying, null, CancellationToken.None));
        Assert.Equal(RunPhase.Done, (await store.GetRunAsync(run.Id, CancellationToken.None)).Phase);
    }

    [Fact]
    public async Task GetOpenRun_FinishedAndDryRuns_AreNotOpen()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        Assert.Null(await store.GetOpenRunAsync(job.Id, CancellationToken.None));

        var done = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(done.Id, RunPhase.Done, null, CancellationToken.None);
        var refused = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(refused.Id, RunPhase.Refused, "delete cap", CancellationToken.None);
        var dry = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(dry.Id, RunPhase.DryRun, null, CancellationToken.None);
        Assert.Null(await store.GetOpenRunAsync(job.Id, CancellationToken.None));

        var open = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(open.Id, RunPhase.Copying, null, CancellationToken.None);
        Assert.Equal(open.Id, (await store.GetOpenRunAsync(job.Id, CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task GetOpenRun_TwoOpenRuns_ReturnsNewest()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var other = await store.GetOrCreateJobAsync("s3://x", "s3://y", CancellationToken.None);
        await store.CreateRunAsync(job.Id, CancellationToken.None);
        var newest = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.CreateRunAsync(other.Id, CancellationToken.None);

        Assert.Equal(newest.Id, (await store.GetOpenRunAsync(job.Id, CancellationToken.None))?.Id);
    }
}
