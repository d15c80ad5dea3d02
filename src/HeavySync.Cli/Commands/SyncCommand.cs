using System.CommandLine;
using System.Globalization;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Output;
using HeavySync.Engine;
using HeavySync.Finalizing;
using HeavySync.Planning;
using HeavySync.Storage;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync sync SRC DST</c>: make DST match SRC, resuming a previous attempt.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var src = new Argument<string>("SRC") { Description = "Source: s3://bucket/prefix, gs://bucket/prefix, file:///path or a local path." };
        var dst = new Argument<string>("DST") { Description = "Destination, in the same forms." };
        var shared = new SharedOptions();
        shared.Bind(new Option<int?>("--concurrency", "-j") { Description = "Objects copied at once (default 16). [HEAVYSYNC_CONCURRENCY]" }, "concurrency");
        var compare = shared.Bind(new Option<string?>("--compare") { Description = "When hashes can't decide: checksum (default: copy when unsure), size-mtime (copy when the source is newer), size-only. [HEAVYSYNC_COMPARE]" }, "compare");
        compare.AcceptOnlyFromAmong("checksum", "size-mtime", "size-only");
        shared.Bind(new Option<string[]>("--include") { Description = "Only keys matching this glob (repeatable; '*' within a path segment, '**' across, leading '/' anchors at the root).", Arity = ArgumentArity.ZeroOrMore }, "include");
        shared.Bind(new Option<string[]>("--exclude") { Description = "Skip keys matching this glob (repeatable). Excluded keys are neither copied nor deleted.", Arity = ArgumentArity.ZeroOrMore }, "exclude");
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "List and plan, print what would happen, change nothing." };
        shared.Bind(new Option<bool>("--no-delete") { Description = "Never delete destination objects missing from the source. [HEAVYSYNC_NO_DELETE]" }, "no_delete");
        shared.Bind(new Option<string?>("--max-delete") { Description = "Refuse (exit 3) a run that would delete more than N objects or P% of the destination (default: 10% of the destination, but always up to 100 objects). [HEAVYSYNC_MAX_DELETE]" }, "max_delete");
        shared.Bind(new Option<bool>("--allow-empty-source") { Description = "Let a source that lists no objects empty the destination." }, "allow_empty_source");
        shared.Bind(new Option<bool>("--follow-symlinks", "-L") { Description = "Follow symbolic links in local trees (default: skip them with a warning)." }, "follow_symlinks");
        shared.Bind(new Option<string?>("--prune-versions-older-than") { Description = "On a versioned destination, delete noncurrent versions older than this (e.g. 30d, 12h, 90m)." }, "prune_versions_older_than");
        shared.Bind(new Option<string?>("--s3-part-size") { Description = "Smallest multipart part for S3 uploads, e.g. 8MiB (default 8MiB; grows to stay within 10,000 parts). [HEAVYSYNC_S3_PART_SIZE]" }, "s3_part_size");
        shared.Bind(new Option<string?>("--s3-multipart-threshold") { Description = "S3 uploads larger than this use multipart (default 16MiB). [HEAVYSYNC_S3_MULTIPART_THRESHOLD]" }, "s3_multipart_threshold");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display (the summary still prints)." };

        var command = new Command("sync", "Make DST match SRC: copy what is new or changed, delete what the source no longer has (within --max-delete). " +
            "Progress is saved continuously: if the run is interrupted, run the same command again and it resumes.")
        {
            src, dst, dryRun, quiet,
        };
        shared.AddTo(command);

        command.SetAction((parse, ct) => CommandRunner.RunAsync(
            token => RunAsync(parse, shared, parse.GetValue(src)!, parse.GetValue(dst)!, parse.GetValue(dryRun), parse.GetValue(quiet), token), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, SharedOptions shared, string srcText, string dstText, bool dryRun, bool quiet, CancellationToken cancellationToken)
    {
        var settings = shared.Load(parse);
        var options = BindOptions(settings, dryRun);
        var source = CliHost.ParseLocation(srcText, "source");
        var destination = CliHost.ParseLocation(dstText, "destination");
        if (source.Canonical == destination.Canonical)
        {
            throw new UsageException("source and destination are the same location");
        }

        if (source.Scheme == Locations.LocationScheme.File && destination.Scheme == Locations.LocationScheme.File
            && (IsUnder(destination.Path, source.Path) || IsUnder(source.Path, destination.Path)))
        {
            throw new UsageException("source and destination overlap: one directory is inside the other");
        }

        await using var host = new CliHost(settings, parse.GetValue(shared.Verbose), role: "sync");
        var statePath = settings.GetString("state") ?? StatePaths.ForPair(settings, source.Canonical, destination.Canonical);
        await using var state = await CliHost.OpenStateAsync(statePath, cancellationToken);
        await using var src = await host.OpenStoreAsync(source, StoreSide.Source, cancellationToken);
        await using var dst = await host.OpenStoreAsync(destination, StoreSide.Destination, cancellationToken);

        var progress = new SyncProgress();
        var engine = new SyncEngine(state, host.Loggers, requests: host.Requests);
        SyncResult result;
        TimeSpan elapsed;
        await using (var reporter = new ProgressReporter(progress, quiet || dryRun, TimeSpan.FromSeconds(settings.GetInt("progress_interval", 10, 1, 3600))))
        {
            result = await engine.RunAsync(src, dst, options, progress, cancellationToken);
            elapsed = reporter.Elapsed;
        }

        Summary.Print(result, progress, host.Requests, elapsed, statePath);
        return result.Outcome switch
        {
            SyncOutcome.InSync => ExitCodes.InSync,
            SyncOutcome.Failures => ExitCodes.Failures,
            SyncOutcome.Refused => ExitCodes.Refused,
            _ => ExitCodes.Fatal,
        };
    }

    private static SyncOptions BindOptions(CliSettings settings, bool dryRun)
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
            Filter = filter,
            DryRun = dryRun,
            NoDelete = settings.GetBool("no_delete"),
            MaxDelete = maxDelete,
            AllowEmptySource = settings.GetBool("allow_empty_source"),
            PruneVersionsOlderThan = prune,
        };
    }

    /// <summary>"30d", "12h", "90m", "45s", or a TimeSpan ("1.02:00:00").</summary>
    internal static TimeSpan? ParseDuration(string text)
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

    private static bool IsUnder(string path, string root) =>
        path.Equals(root, StringComparison.Ordinal) || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);
}
