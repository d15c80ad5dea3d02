using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.Tests.Contracts;

public abstract partial class StateStoreContract
{
    private const string Options = """{"compare":"checksum","no_delete":true}""";

    [Fact]
    public async Task CreateNamedJob_NewPair_StoresNameAndOptions()
    {
        await using var store = await CreateStoreAsync();

        var job = await store.CreateNamedJobAsync("photos", "s3://a/p", "gs://b/q", Options, CancellationToken.None);

        Assert.Equal(("photos", Options, "s3://a/p", "gs://b/q"), (job.Name, job.OptionsJson, job.Source, job.Destination));
        Assert.Equal(job, await store.FindJobByNameAsync("photos", CancellationToken.None));
        Assert.Equal(job, await store.GetJobAsync(job.Id, CancellationToken.None));
        Assert.Equal(job, await store.FindJobAsync("s3://a/p", "gs://b/q", CancellationToken.None));
        Assert.Equal(job, await store.GetOrCreateJobAsync("s3://a/p", "gs://b/q", CancellationToken.None));
    }

    [Fact]
    public async Task CreateNamedJob_UnnamedJobOfSamePair_AdoptsItKeepingLedgerAndRuns()
    {
        await using var store = await CreateStoreAsync();
        var unnamed = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        await SeedLedgerAsync(store, unnamed, [new LedgerEntry("k", "s", "d")]);
        Assert.Null(unnamed.Name);

        var named = await store.CreateNamedJobAsync("nightly", "s3://a", "s3://b", Options, CancellationToken.None);

        Assert.Equal(unnamed with { Name = "nightly", OptionsJson = Options }, named);
        Assert.NotNull(await store.GetLedgerAsync(named.Id, "k", CancellationToken.None));
        Assert.Single(await store.ListRunsAsync(named.Id, 10, CancellationToken.None));
        Assert.Single(await store.ListJobsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CreateNamedJob_DuplicateName_ThrowsOneLine()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateNamedJobAsync("x", "s3://a", "s3://b", Options, CancellationToken.None);

        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            store.CreateNamedJobAsync("x", "s3://c", "s3://d", Options, CancellationToken.None));

        Assert.Equal("job 'x' already exists", error.Message);
        Assert.Null(await store.FindJobAsync("s3://c", "s3://d", CancellationToken.None));
    }

    [Fact]
    public async Task CreateNamedJob_PairOfAnotherNamedJob_ThrowsNamingIt()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateNamedJobAsync("y", "s3://a", "s3://b", Options, CancellationToken.None);

        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            store.CreateNamedJobAsync("z", "s3://a", "s3://b", Options, CancellationToken.None));

        Assert.Equal("job 'y' already syncs s3://a to s3://b", error.Message);
        Assert.Null(await store.FindJobByNameAsync("z", CancellationToken.None));
    }

    [Fact]
    public async Task FindJobByName_Unknown_ReturnsNull()
    {
        await using var store = await CreateStoreAsync();
        await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);

        Assert.Null(await store.FindJobByNameAsync("nope", CancellationToken.None));
    }

    [Fact]
    public async Task GetJob_Missing_Throws()
    {
        await using var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<StateStoreException>(() => store.GetJobAsync(424242, CancellationToken.None));
    }

    [Fact]
    public async Task UpdateJobOptions_ExistingJob_ReplacesOptionsOnly()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.CreateNamedJobAsync("j", "s3://a", "s3://b", Options, CancellationToken.None);

        await store.UpdateJobOptionsAsync(job.Id, """{"compare":"size-only"}""", CancellationToken.None);

        Assert.Equal(job with { OptionsJson = """{"compare":"size-only"}""" }, await store.GetJobAsync(job.Id, CancellationToken.None));
        await Assert.ThrowsAsync<StateStoreException>(() => store.UpdateJobOptionsAsync(424242, "{}", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteJob_JobWithRunsAndLedger_RemovesAllOfItAndNothingElse()
    {
        await using var store = await CreateStoreAsync();
        var doomed = await store.CreateNamedJobAsync("doomed", "s3://a", "s3://b", Options, CancellationToken.None);
        var kept = await store.CreateNamedJobAsync("kept", "s3://c", "s3://d", Options, CancellationToken.None);
        foreach (var job in new[] { doomed, kept })
        {
            await SeedLedgerAsync(store, job, [new LedgerEntry("k", "s", "d")]);
            var run = await ListedRunAsync(store, job, [Entry("a", 1)], [Entry("z", 1)]);
            await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        }

        var doomedRuns = await store.ListRunsAsync(doomed.Id, 10, CancellationToken.None);

        Assert.True(await store.DeleteJobAsync(doomed.Id, CancellationToken.None));
        Assert.False(await store.DeleteJobAsync(doomed.Id, CancellationToken.None));
        Assert.Null(await store.FindJobByNameAsync("doomed", CancellationToken.None));
        Assert.Null(await store.GetLedgerAsync(doomed.Id, "k", CancellationToken.None));
        foreach (var run in doomedRuns)
        {
            await Assert.ThrowsAsync<StateStoreException>(() => store.GetRunAsync(run.Id, CancellationToken.None));
        }

        var keptRun = Assert.Single(await store.ListUnfinishedRunsAsync(CancellationToken.None));
        Assert.Equal(kept.Id, keptRun.JobId);
        Assert.Equal(1, await store.CountManifestAsync(keptRun.Id, StoreSide.Source, CancellationToken.None));
        var counters = await store.GetCountersAsync(keptRun.Id, CancellationToken.None);
        Assert.Equal((1, 1), (counters.CopyPending, counters.DeletePending));
        Assert.NotNull(await store.GetLedgerAsync(kept.Id, "k", CancellationToken.None));

        // The pair and the name are free again.
        var again = await store.CreateNamedJobAsync("doomed", "s3://a", "s3://b", Options, CancellationToken.None);
        Assert.Empty(await store.ListRunsAsync(again.Id, 10, CancellationToken.None));
    }

    [Fact]
    public async Task RetryFailed_DoneRunWithFailures_ResetsTasksAndReopensRun()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1), Entry("b", 2), Entry("c", 3)], []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var tasks = (await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending)).ToDictionary(t => t.Key, t => t.Id);
        await store.CompleteTasksAsync(run.Id, [
            new TaskOutcome(tasks["a"], WorkTaskStatus.Done, new LedgerEntry("a", "s", "d"), null),
            new TaskOutcome(tasks["b"], WorkTaskStatus.Failed, null, "403 forbidden"),
            new TaskOutcome(tasks["c"], WorkTaskStatus.Failed, null, "500 again"),
        ], CancellationToken.None);
        await store.SetRunPhaseAsync(run.Id, RunPhase.Finalizing, null, CancellationToken.None);
        await store.SetRunPhaseAsync(run.Id, RunPhase.Done, "2 failed", CancellationToken.None);

        var reset = await store.RetryFailedAsync(run.Id, CancellationToken.None);

        var reopened = await store.GetRunAsync(run.Id, CancellationToken.None);
        var pending = await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending);
        Assert.Equal(2, reset);
        Assert.Equal((RunPhase.Copying, null, null), (reopened.Phase, reopened.FinishedAt, reopened.Report));
        Assert.Equal(["b", "c"], pending.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.All(pending, t => Assert.Equal((0, null), (t.Attempts, t.Error)));
        Assert.Empty(await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Failed, 0, 10, CancellationToken.None));
        Assert.Single(await store.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Done, 0, 10, CancellationToken.None));
        Assert.Equal(reopened.Id, (await store.GetOpenRunAsync(job.Id, CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task RetryFailed_NoFailures_ReturnsZeroAndLeavesRunFinished()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1)], []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var task = Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending));
        await store.CompleteTasksAsync(run.Id, [new TaskOutcome(task.Id, WorkTaskStatus.Done, new LedgerEntry("a", "s", "d"), null)], CancellationToken.None);
        await store.SetRunPhaseAsync(run.Id, RunPhase.Done, "ok", CancellationToken.None);
        var before = await store.GetRunAsync(run.Id, CancellationToken.None);

        Assert.Equal(0, await store.RetryFailedAsync(run.Id, CancellationToken.None));
        Assert.Equal(before, await store.GetRunAsync(run.Id, CancellationToken.None));
        await Assert.ThrowsAsync<StateStoreException>(() => store.RetryFailedAsync(424242, CancellationToken.None));
    }

    [Fact]
    public async Task RetryFailed_CopyingRun_ResetsTasksKeepsPhase()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1)], []);
        await store.PlanAsync(run.Id, Checksum, CancellationToken.None);
        var task = Assert.Single(await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending));
        await store.CompleteTasksAsync(run.Id, [new TaskOutcome(task.Id, WorkTaskStatus.Failed, null, "boom")], CancellationToken.None);

        Assert.Equal(1, await store.RetryFailedAsync(run.Id, CancellationToken.None));
        Assert.Equal(RunPhase.Copying, (await store.GetRunAsync(run.Id, CancellationToken.None)).Phase);
        Assert.Equal(1, (await store.GetCountersAsync(run.Id, CancellationToken.None)).CopyPending);
    }

    [Fact]
    public async Task ListUnfinishedRuns_SeveralJobs_OnlyOpenNonDryRunsOldestFirst()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var b = await store.GetOrCreateJobAsync("s3://c", "s3://d", CancellationToken.None);
        var listing = await store.CreateRunAsync(a.Id, CancellationToken.None);
        var done = await store.CreateRunAsync(a.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(done.Id, RunPhase.Done, null, CancellationToken.None);
        var dry = await store.CreateRunAsync(b.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(dry.Id, RunPhase.DryRun, null, CancellationToken.None);
        var refused = await store.CreateRunAsync(b.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(refused.Id, RunPhase.Refused, "cap", CancellationToken.None);
        var finalizing = await store.CreateRunAsync(b.Id, CancellationToken.None);
        await store.SetRunPhaseAsync(finalizing.Id, RunPhase.Finalizing, null, CancellationToken.None);

        var unfinished = await store.ListUnfinishedRunsAsync(CancellationToken.None);

        Assert.Equal([listing.Id, finalizing.Id], unfinished.Select(r => r.Id));
        Assert.Equal(RunPhase.Finalizing, unfinished[1].Phase);
    }

    [Fact]
    public async Task TryLockJob_HeldLock_SecondTakerGetsNullUntilReleased()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var other = await store.GetOrCreateJobAsync("s3://c", "s3://d", CancellationToken.None);

        var held = await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None));

        // Kinds and jobs are independent locks.
        await using (var finalizer = await store.TryLockJobAsync(job.Id, JobLockKind.Finalizer, CancellationToken.None))
        await using (var otherLister = await store.TryLockJobAsync(other.Id, JobLockKind.Lister, CancellationToken.None))
        {
            Assert.NotNull(finalizer);
            Assert.NotNull(otherLister);
        }

        await held.DisposeAsync();
        await using var again = await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None);
        Assert.NotNull(again);
    }
}
