using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

/// <summary>
/// The lister role: streams both listings into the state store in batches (resuming an ordered
/// listing after its saved key, restarting an unordered one), marks each side complete, then plans.
/// A side whose listing is complete is never listed again in this run (invariant 3).
/// </summary>
/// <param name="state">Where manifests go.</param>
/// <param name="options">Filters and batch size.</param>
/// <param name="progress">Listing counters.</param>
/// <param name="logger">Logs.</param>
/// <param name="skipDirectoryMarkers">Drop source keys ending in '/' (S3 "folder" objects): a file-system destination cannot hold them.</param>
/// <param name="time">The clock that bounds a batch's age (<see cref="SyncOptions.ListingBatchInterval"/>); default <see cref="TimeProvider.System"/>.</param>
public sealed partial class Lister(IStateStore state, SyncOptions options, SyncProgress progress, ILogger logger, bool skipDirectoryMarkers = false, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>Lists whatever of the run is not listed yet, then plans it. Returns the plan.</summary>
    public async Task<PlanSummary> ListAndPlanAsync(RunRecord run, IObjectStore source, IObjectStore destination, PlanOptions planOptions, CancellationToken cancellationToken)
    {
        if (run.Plan is { } existing)
        {
            return existing;
        }

        progress.Phase = "listing";
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sides = new List<Task>(2);
        if (!run.SourceListed)
        {
            sides.Add(ListSideAsync(run.Id, StoreSide.Source, source, run.SourceResumeAfter, linked));
        }

        if (!run.DestinationListed)
        {
            sides.Add(ListSideAsync(run.Id, StoreSide.Destination, destination, run.DestinationResumeAfter, linked));
        }

        await Task.WhenAll(sides).ConfigureAwait(false);

        progress.Phase = "planning";
        using var activity = HeavySyncTelemetry.Source.StartActivity("plan");
        activity?.SetTag(TelemetryTags.Job, run.JobId);
        activity?.SetTag(TelemetryTags.Run, run.Id);
        var plan = await state.PlanAsync(run.Id, planOptions, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("heavysync.plan.copy_objects", plan.CopyObjects);
        activity?.SetTag("heavysync.plan.unchanged_objects", plan.UnchangedObjects);
        var unchanged = new KeyValuePair<string, object?>(TelemetryTags.Reason, "unchanged");
        HeavySyncTelemetry.ObjectsSkipped.Add(plan.UnchangedObjects, unchanged);
        HeavySyncTelemetry.BytesSkipped.Add(Math.Max(0, plan.SourceBytes - plan.CopyBytes), unchanged);
        return plan;
    }

    private async Task ListSideAsync(long runId, StoreSide side, IObjectStore store, string? resumeAfter, CancellationTokenSource failFast)
    {
        try
        {
            await ListSideCoreAsync(runId, side, store, resumeAfter, failFast.Token).ConfigureAwait(false);
        }
        catch
        {
            // One side failing makes the other side's work pointless for now: stop it too.
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ListSideCoreAsync(long runId, StoreSide side, IObjectStore store, string? resumeAfter, CancellationToken cancellationToken)
    {
        var isSource = side == StoreSide.Source;
        if (store.Capabilities.OrderedListing)
        {
            if (resumeAfter is not null)
            {
                LogResumingListing(side, resumeAfter.Length);
            }
        }
        else
        {
            // An unordered listing cannot resume: forget what a killed attempt stored and start over.
            await state.ResetListingAsync(runId, side, cancellationToken).ConfigureAwait(false);
            resumeAfter = null;
        }

        // One "list page" span per batch, started before the batch's entries are fetched, so the
        // store's listing requests (made while the enumerator advances) are its children, and ended
        // after the batch is saved. A batch is saved when full or when it has collected for the
        // interval since its first entry: a slow listing still moves its resume point forward that
        // often, a fast one pays the per-batch cost rarely.
        var batch = new List<ObjectEntry>(Math.Min(options.ListingBatchSize, 1_024));
        string? lastKey = null;
        var entries = store.ListAsync(resumeAfter, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (entries.ConfigureAwait(false))
        {
            var more = true;
            while (more)
            {
                using var page = StartListPage(runId, side);
                long? batchStarted = null;
                while (batch.Count < options.ListingBatchSize
                    && (batchStarted is not { } started || clock.GetElapsedTime(started) < options.ListingBatchInterval)
                    && (more = await entries.MoveNextAsync().ConfigureAwait(false)))
                {
                    var entry = entries.Current;
                    batchStarted ??= clock.GetTimestamp();
                    lastKey = entry.Key;
                    if (!options.Filter.Matches(entry.Key))
                    {
                        continue;
                    }

                    if (isSource && skipDirectoryMarkers && entry.Key.EndsWith('/'))
                    {
                        progress.AddSkippedKey();
                        continue;
                    }

                    batch.Add(entry);
                }

                // A full or old enough batch, or the last one (saved even when empty: it records how far the listing got).
                page?.SetTag("heavysync.objects", batch.Count);
                await FlushAsync(runId, side, store, batch, lastKey, cancellationToken).ConfigureAwait(false);
                progress.AddListed(isSource, batch.Count);
                batch.Clear();
            }
        }

        await state.MarkListingCompleteAsync(runId, side, cancellationToken).ConfigureAwait(false);
    }

    private static System.Diagnostics.Activity? StartListPage(long runId, StoreSide side)
    {
        var activity = HeavySyncTelemetry.Source.StartActivity("list page");
        activity?.SetTag(TelemetryTags.Side, side.ToString());
        activity?.SetTag(TelemetryTags.Run, runId);
        return activity;
    }

    private async Task FlushAsync(long runId, StoreSide side, IObjectStore store, List<ObjectEntry> batch, string? lastKey, CancellationToken cancellationToken)
    {
        var resumeAfter = store.Capabilities.OrderedListing ? lastKey : null;
        await state.AddManifestBatchAsync(runId, side, batch, resumeAfter, cancellationToken).ConfigureAwait(false);
        var sideTag = new KeyValuePair<string, object?>(TelemetryTags.Side, side.ToString());
        HeavySyncTelemetry.ObjectsListed.Add(batch.Count, sideTag);
        long bytes = 0;
        foreach (var entry in batch)
        {
            bytes += entry.Size;
        }

        HeavySyncTelemetry.BytesListed.Add(bytes, sideTag);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the {Side} listing after a saved key ({Length} characters)")]
    private partial void LogResumingListing(StoreSide side, int length);
}
