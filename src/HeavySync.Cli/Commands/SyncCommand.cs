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
        SyncSettings.AddOptions(shared);
        shared.Bind(new Option<string?>("--queue") { Description = "Work queue: inprocess (default) or a durable one shared with cluster copiers — " + ClusterOptions.QueueDescription }, "queue");
        shared.Bind(new Option<string?>("--queue-lease") { Description = "With a durable --queue: how long a received message stays invisible to other copiers (default 5m). [HEAVYSYNC_QUEUE_LEASE]" }, "queue_lease");
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "List and plan, print what would happen, change nothing." };
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
        var options = SyncSettings.Bind(settings, dryRun);
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

        var statePath = settings.GetString("state") ?? StatePaths.ForPair(settings, source.Canonical, destination.Canonical);
        // The state opens while the host (logging, telemetry) is built, then beside both stores.
        var stateOpening = RunResources.StartStateOpen(() => CliHost.OpenStateAsync(statePath, cancellationToken));
        CliHost host;
        try
        {
            host = new CliHost(settings, parse.GetValue(shared.Verbose), role: "sync");
        }
        catch
        {
            await RunResources.CloseIfOpenedAsync(stateOpening);
            throw;
        }

        await using var hosting = host;
        // The run's start (job, lock, run records) is taken as soon as the state is open, beside the
        // stores' opens: it was about 30 ms between the last open's answer and the first listing. A
        // store that then fails to open leaves the run untouched, resumed by the next sync. A dry run
        // (a run of its own each time) starts only once both stores are open.
        await using var opened = await RunResources.OpenAsync(
            stateOpening,
            () => host.OpenStoreAsync(source, StoreSide.Source, cancellationToken),
            () => host.OpenStoreAsync(destination, StoreSide.Destination, cancellationToken),
            dryRun ? null : state => SyncEngine.StartAsync(state, source.StoreKey, destination.StoreKey, dryRun: false, cancellationToken));
        var (state, src, dst) = (opened.State, opened.Source, opened.Destination);

        var progress = new SyncProgress();
        await using var queue = settings.GetString("queue") is { } q && !q.Equals("inprocess", StringComparison.OrdinalIgnoreCase)
            ? await QueueFactory.OpenAsync(settings, host, cancellationToken)
            : null;
        var engine = new SyncEngine(state, host.Loggers, requests: host.Requests, sharedQueue: queue);
        SyncResult result;
        TimeSpan elapsed;
        await using (var reporter = new ProgressReporter(progress, quiet || dryRun, TimeSpan.FromSeconds(settings.GetInt("progress_interval", 10, 1, 3600))))
        {
            result = opened.Started is { } started
                ? await engine.RunAsync(started, src, dst, options, progress, cancellationToken)
                : await engine.RunAsync(src, dst, options, progress, cancellationToken);
            elapsed = reporter.Elapsed;
        }

        Summary.Print(result, progress, host.Requests, host.QueueRequests, elapsed, statePath);
        return result.Outcome switch
        {
            SyncOutcome.InSync => ExitCodes.InSync,
            SyncOutcome.Failures => ExitCodes.Failures,
            SyncOutcome.Refused => ExitCodes.Refused,
            _ => ExitCodes.Fatal,
        };
    }

    private static bool IsUnder(string path, string root) =>
        path.Equals(root, StringComparison.Ordinal) || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);
}
