using System.Collections.Concurrent;
using HeavySync.Hashing;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;

namespace HeavySync.Checking;

/// <summary>One sampled object that does not match.</summary>
public sealed record CheckMismatch(string Key, string Reason);

/// <summary>The result of a sampled check.</summary>
public sealed record CheckResult(int Samples, long SourceObjects, bool FromManifest, IReadOnlyList<CheckMismatch> Mismatches, string Confidence);

/// <summary>
/// heavy-check, improved: picks N source objects uniformly at random — from the state's manifest
/// when there is one, otherwise by reservoir sampling over a streamed listing (memory O(N)) — and
/// verifies each at the destination by checksum (destination bytes re-read and hashed; the source's
/// MD5 taken from its metadata when it has one, else hashed too).
/// </summary>
public sealed class SampledCheck(IObjectStore source, IObjectStore destination, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>Checks <paramref name="samples"/> objects; <paramref name="seed"/> makes the choice repeatable.</summary>
    public async Task<CheckResult> RunAsync(int samples, int seed, IStateStore? state, int concurrency, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        using var activity = HeavySyncTelemetry.Source.StartActivity("check");
        var (chosen, population, fromManifest) = await ChooseAsync(samples, seed, state, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("heavysync.check.samples", chosen.Count);
        activity?.SetTag("heavysync.check.population", population);

        var mismatches = new ConcurrentBag<CheckMismatch>();
        var verified = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            chosen,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var reason = await VerifyAsync(entry.Key, ct).ConfigureAwait(false);
                if (reason is null)
                {
                    verified.Add(entry.Key);
                }
                else
                {
                    mismatches.Add(new CheckMismatch(entry.Key, reason));
                }
            }).ConfigureAwait(false);

        if (state is not null && !verified.IsEmpty)
        {
            var job = await state.FindJobAsync(source.Location, destination.Location, cancellationToken).ConfigureAwait(false);
            if (job is not null)
            {
                await state.MarkVerifiedAsync(job.Id, verified.ToList(), clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
        }

        var sorted = mismatches.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        activity?.SetTag("heavysync.check.mismatches", sorted.Count);
        return new CheckResult(chosen.Count, population, fromManifest, sorted, SampleConfidence.Describe(chosen.Count, sorted.Count));
    }

    private async Task<(IReadOnlyList<ObjectEntry> Chosen, long Population, bool FromManifest)> ChooseAsync(int samples, int seed, IStateStore? state, CancellationToken cancellationToken)
    {
        if (state is not null)
        {
            var job = await state.FindJobAsync(source.Location, destination.Location, cancellationToken).ConfigureAwait(false);
            var runs = job is null ? [] : await state.ListRunsAsync(job.Id, 5, cancellationToken).ConfigureAwait(false);
            foreach (var run in runs.Where(r => r.SourceListed))
            {
                var count = await state.CountManifestAsync(run.Id, StoreSide.Source, cancellationToken).ConfigureAwait(false);
                if (count > 0)
                {
                    var fromManifest = await state.SampleManifestAsync(run.Id, StoreSide.Source, samples, seed, cancellationToken).ConfigureAwait(false);
                    return (fromManifest, count, true);
                }
            }
        }

        var sampler = new ReservoirSampler<ObjectEntry>(samples, new Random(seed));
        await foreach (var entry in source.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            sampler.Offer(entry);
        }

        return (sampler.Sample, sampler.Seen, false);
    }

    /// <summary>Null when the destination matches; otherwise why not.</summary>
    private async Task<string?> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        var src = await source.StatAsync(key, cancellationToken).ConfigureAwait(false);
        if (src is null)
        {
            return null; // vanished from the source since it was listed: nothing to compare
        }

        var dst = await destination.StatAsync(key, cancellationToken).ConfigureAwait(false);
        if (dst is null)
        {
            return "missing at the destination";
        }

        if (src.Size != dst.Size)
        {
            return $"size differs: source {src.Size} bytes, destination {dst.Size}";
        }

        var dstMd5 = await HashAsync(destination, key, dst.Size, cancellationToken).ConfigureAwait(false);
        var srcMd5 = src.Md5 ?? await HashAsync(source, key, src.Size, cancellationToken).ConfigureAwait(false);
        return string.Equals(srcMd5, dstMd5, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"content differs: source MD5 {srcMd5}, destination MD5 {dstMd5}";
    }

    private static async Task<string> HashAsync(IObjectStore store, string key, long size, CancellationToken cancellationToken)
    {
        var body = await store.OpenReadAsync(key, 0, null, cancellationToken).ConfigureAwait(false);
        await using var hashing = new HashingReadStream(body, size, leaveOpen: false);
        await hashing.CopyToAsync(Stream.Null, 1 << 20, cancellationToken).ConfigureAwait(false);
        hashing.Hasher.Finish();
        return hashing.Hasher.Md5Hex;
    }
}
