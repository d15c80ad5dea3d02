using HeavySync.Engine;
using HeavySync.Planning;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using HeavySync.Tests.Time;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Tests.Engine;

/// <summary>
/// When the lister saves a listing batch (and so its resume point) into real SQLite state: when the
/// batch is full, or when its first row has waited the batch interval, whichever comes first.
/// </summary>
public sealed class ListerBatchTests : IAsyncLifetime
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 10).Select(i => $"k{i:D2}")];

    private readonly string root = Path.Combine(Path.GetTempPath(), "hs-lister-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ManualTimeProvider clock = new();
    private IStateStore state = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(root);
        state = await SqliteStateStore.OpenAsync(Path.Combine(root, "state.db"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await state.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task ListAndPlan_SlowListing_SavesABatchOnceItsFirstRowIsAnIntervalOld()
    {
        // One entry per 400 ms, batches of up to 10,000 rows or 1 s: saved at the 4th entry of each
        // batch (1.2 s after its first), and the rest when the listing ends.
        var probed = await ListAsync(new SyncOptions { ListingBatchSize = 10_000, ListingBatchInterval = TimeSpan.FromSeconds(1) }, TimeSpan.FromMilliseconds(400));

        Assert.Equal([null, null, null, null, "k03", "k03", "k03", "k03", "k07", "k07"], probed);
    }

    [Fact]
    public async Task ListAndPlan_FastListing_SavesABatchWhenItIsFull()
    {
        var probed = await ListAsync(new SyncOptions { ListingBatchSize = 3, ListingBatchInterval = TimeSpan.FromHours(1) }, TimeSpan.FromMilliseconds(1));

        Assert.Equal([null, null, null, "k02", "k02", "k02", "k05", "k05", "k05", "k08"], probed);
    }

    /// <summary>Lists <see cref="Keys"/> at the source (nothing at the destination) and plans; returns
    /// the source's saved resume point as it was before each entry arrived.</summary>
    private async Task<List<string?>> ListAsync(SyncOptions options, TimeSpan perEntry)
    {
        var job = await state.GetOrCreateJobAsync("paced://source", "paced://destination", CancellationToken.None);
        var run = await state.CreateRunAsync(job.Id, CancellationToken.None);
        async Task<string?> ResumePoint() => (await state.GetRunAsync(run.Id, CancellationToken.None)).SourceResumeAfter;
        await using var source = new PacedStore(Keys, clock, perEntry, ResumePoint);
        await using var destination = new PacedStore([], clock, perEntry, ResumePoint);
        var lister = new Lister(state, options, new SyncProgress(), NullLogger.Instance, time: clock);

        var plan = await lister.ListAndPlanAsync(run, source, destination, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);

        Assert.Equal(Keys.Length, plan.CopyObjects);
        Assert.Equal(Keys.Length, await state.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
        return source.Probed;
    }
}
