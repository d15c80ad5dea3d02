using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Tests.Contracts;

/// <summary>Builders for state-store tests, shared by the contract suite and the property tests.</summary>
public static class StateStoreTestKit
{
    /// <summary>A manifest entry.</summary>
    public static ObjectEntry Entry(string key, long size, string? md5 = null, uint? crc32c = null, string? etag = null, DateTimeOffset? mtime = null, string? version = null) =>
        new(key, size) { Md5 = md5, Crc32c = crc32c, ETag = etag, LastModified = mtime, Version = version };

    /// <summary>A new run of <paramref name="job"/> whose two listings hold these entries and are complete.</summary>
    public static async Task<RunRecord> ListedRunAsync(IStateStore store, JobRecord job, IEnumerable<ObjectEntry> source, IEnumerable<ObjectEntry> destination)
    {
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, source.ToList(), null, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Destination, destination.ToList(), null, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Source, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Destination, CancellationToken.None);
        return await store.GetRunAsync(run.Id, CancellationToken.None);
    }

    /// <summary>
    /// Puts rows into the job's ledger the way the engine does: a run that copies each key (source
    /// only, so rule 1 makes a copy task), whose tasks complete with these ledger rows, then ends.
    /// </summary>
    public static async Task SeedLedgerAsync(IStateStore store, JobRecord job, IReadOnlyCollection<LedgerEntry> rows)
    {
        var run = await ListedRunAsync(store, job, rows.Select(r => Entry(r.Key, 1)), []);
        await store.PlanAsync(run.Id, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);
        var tasks = await AllTasksAsync(store, run.Id, TaskAction.Copy, WorkTaskStatus.Pending);
        var byKey = rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var outcomes = tasks.Select(t => new TaskOutcome(t.Id, WorkTaskStatus.Done, byKey[t.Key], null)).ToList();
        await store.CompleteTasksAsync(run.Id, outcomes, CancellationToken.None);
        await store.SetRunPhaseAsync(run.Id, RunPhase.Done, null, CancellationToken.None);
    }

    /// <summary>Every task of a run with this action and status, paging through them.</summary>
    public static async Task<List<TaskRecord>> AllTasksAsync(IStateStore store, long runId, TaskAction action, WorkTaskStatus status)
    {
        var all = new List<TaskRecord>();
        long after = 0;
        while (true)
        {
            var page = await store.GetTasksAsync(runId, action, status, after, 1000, CancellationToken.None);
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            after = page[^1].Id;
        }
    }
}
