using System.CommandLine;
using System.Globalization;
using HeavySync.Cli.Commands;
using HeavySync.Engine;
using HeavySync.Finalizing;
using HeavySync.Planning;

namespace HeavySync.Cli.Configuration;

/// <summary>
/// The options of a sync — what <c>heavysync sync</c> takes and what <c>heavysync job create</c>
/// stores with a job — each bound to one settings key (flag, environment, config file, job).
/// </summary>
internal static class SyncSettings
{
    /// <summary>Adds the sync options to <paramref name="shared"/>.</summary>
    public static void AddOptions(SharedOptions shared)
    {
        shared.Bind(new Option<int?>("--concurrency", "-j") { Description = "Objects copied at once (default 16). [HEAVYSYNC_CONCURRENCY]" }, "concurrency");
        var compare = shared.Bind(new Option<string?>("--compare") { Description = "When hashes can't decide: checksum (default: copy when unsure), size-mtime (copy when the source is newer), size-only. [HEAVYSYNC_COMPARE]" }, "compare");
        compare.AcceptOnlyFromAmong("checksum", "size-mtime", "size-only");
        shared.Bind(new Option<string[]>("--include") { Description = "Only keys matching this glob (repeatable; '*' within a path segment, '**' across, leading '/' anchors at the root).", Arity = ArgumentArity.ZeroOrMore }, "include");
        shared.Bind(new Option<string[]>("--exclude") { Description = "Skip keys matching this glob (repeatable). Excluded keys are neither copied nor deleted.", Arity = ArgumentArity.ZeroOrMore }, "exclude");
        shared.Bind(new Option<bool>("--no-delete") { Description = "Never delete destination objects missing from the source. [HEAVYSYNC_NO_DELETE]" }, "no_delete");
        shared.Bind(new Option<string?>("--max-delete") { Description = "Refuse (exit 3) a run that would delete more than N objects or P% of the destination (default: 10% of the destination, but always up to 100 objects). [HEAVYSYNC_MAX_DELETE]" }, "max_delete");
        shared.Bind(new Option<bool>("--allow-empty-source") { Description = "Let a source that lists no objects empty the destination." }, "allow_empty_source");
        shared.Bind(new Option<bool>("--follow-symlinks", "-L") { Description = "Follow symbolic links in local trees (default: skip them with a warning)." }, "follow_symlinks");
        shared.Bind(new Option<string?>("--prune-versions-older-than") { Description = "On a versioned destination, delete noncurrent versions older than this (e.g. 30d, 12h, 90m)." }, "prune_versions_older_than");
        shared.Bind(new Option<string?>("--s3-part-size") { Description = "Smallest multipart part for S3 uploads, e.g. 8MiB (default 8MiB; grows to stay within 10,000 parts). [HEAVYSYNC_S3_PART_SIZE]" }, "s3_part_size");
        shared.Bind(new Option<string?>("--s3-multipart-threshold") { Description = "S3 uploads larger than this use multipart (default 16MiB). [HEAVYSYNC_S3_MULTIPART_THRESHOLD]" }, "s3_multipart_threshold");
        shared.Bind(new Option<string?>("--gcs-resumable-threshold") { Description = "GCS uploads larger than this use a resumable upload, in chunks (default 16MiB). [HEAVYSYNC_GCS_RESUMABLE_THRESHOLD]" }, "gcs_resumable_threshold");
        shared.Bind(new Option<string?>("--gcs-chunk-size") { Description = "Bytes per request of a GCS resumable upload, a multiple of 256KiB (default 16MiB). [HEAVYSYNC_GCS_CHUNK_SIZE]" }, "gcs_chunk_size");
        shared.Bind(new Option<bool>("--gcs-requester-pays") { Description = "Bill GCS requests to GOOGLE_CLOUD_PROJECT (else the service account's project), as requester-pays buckets require. [HEAVYSYNC_GCS_REQUESTER_PAYS]" }, "gcs_requester_pays");
    }

    public static SyncOptions Bind(CliSettings settings, bool dryRun = false)
    {
        var compare = settings.GetString("compare") switch
        {
            null or "checksum" => CompareMode.Checksum,
            "size-mtime" => CompareMode.SizeMtime,
            "size-only" => CompareMode.SizeOnly,
            var other => throw new UsageException($"--compare must be checksum, size-mtime or size-only, not '{other}'"),
        };
        var maxDelete = DeleteCap.Default;
        if (settings.GetString("max_delete") is { } capText && !DeleteCap.TryParse(capText, out maxDelete, out var capError))
        {
            throw new UsageException($"--max-delete: {capError}");
        }

        TimeSpan? prune = null;
        if (settings.GetString("prune_versions_older_than") is { } pruneText)
        {
            prune = ParseDuration(pruneText) ?? throw new UsageException($"--prune-versions-older-than: '{pruneText}' is not a duration like 30d, 12h, 90m or 45s");
        }

        KeyFilter filter;
        try
        {
            filter = new KeyFilter(settings.GetList("include"), settings.GetList("exclude"));
        }
        catch (FormatException ex)
        {
            throw new UsageException(ex.Message);
        }

        return new SyncOptions
        {
            Compare = compare,
            Concurrency = settings.GetInt("concurrency", 16, 1, 1024),
            ListingBatchSize = settings.GetInt("listing_batch", 10_000, 10, 100_000),
            ListingBatchInterval = ListingBatchInterval(settings),
            Filter = filter,
            DryRun = dryRun,
            NoDelete = settings.GetBool("no_delete"),
            MaxDelete = maxDelete,
            AllowEmptySource = settings.GetBool("allow_empty_source"),
            PruneVersionsOlderThan = prune,
        };
    }

    /// <summary>listing_batch_interval: how long a listing batch may collect rows before it is saved
    /// (default 1s; 0.1s to 1h).</summary>
    private static TimeSpan ListingBatchInterval(CliSettings settings)
    {
        if (settings.GetString("listing_batch_interval") is not { } text)
        {
            return TimeSpan.FromSeconds(1);
        }

        return ParseDuration(text) is { } interval && interval >= TimeSpan.FromMilliseconds(100) && interval <= TimeSpan.FromHours(1)
            ? interval
            : throw new UsageException($"listing_batch_interval: '{text}' is not a duration from 0.1s to 1h, like 1s or 2s");
    }

    /// <summary>"30d", "12h", "90m", "45s", or a TimeSpan ("1.02:00:00").</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            TimeSpan? unit = char.ToLowerInvariant(text[^1]) switch
            {
                'd' => TimeSpan.FromDays(n),
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                's' => TimeSpan.FromSeconds(n),
                _ => null,
            };
            if (unit is not null)
            {
                return unit;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
    }

}
