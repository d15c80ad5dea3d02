using System.CommandLine;
using System.Runtime.InteropServices;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Output;
using HeavySync.Engine;
using HeavySync.Telemetry;
using Microsoft.Extensions.Logging;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync copier</c>: the long-running, stateless worker that executes copy tasks of every job.</summary>
internal static class CopierCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        cluster.Bind(new Option<int?>("--concurrency", "-j") { Description = "Objects copied at once, over all messages held; the tasks of one message run side by side (default 16). [HEAVYSYNC_CONCURRENCY]" }, "concurrency");
        cluster.Bind(new Option<int?>("--max-deliveries") { Description = "Deliveries of a message before its remaining tasks are recorded failed (default 5). [HEAVYSYNC_MAX_DELIVERIES]" }, "max_deliveries");
        cluster.Bind(new Option<string?>("--idle-exit") { Description = "Exit after this long without work (e.g. 30s, 10m). Default: run until stopped. [HEAVYSYNC_IDLE_EXIT]" }, "idle_exit");
        cluster.Bind(new Option<string?>("--drain-timeout") { Description = "On SIGTERM, how long messages in flight may take to finish before they are released for redelivery (default 25s). [HEAVYSYNC_DRAIN_TIMEOUT]" }, "drain_timeout");
        HealthOptions.AddOptions(cluster);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress lines." };
        var command = new Command("copier", "Cluster role: receive copy tasks from the queue and execute them, for every job, until stopped. " +
            "Stateless: run as many as you like. SIGTERM (or Ctrl-C) stops taking work, lets work in flight finish within --drain-timeout, " +
            "releases the rest for redelivery, and exits 0.")
        {
            quiet,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = cluster.Shared.Load(parse);
            var options = new CopierOptions
            {
                Concurrency = settings.GetInt("concurrency", 16, 1, 1024),
                MaxDeliveries = settings.GetInt("max_deliveries", 5, 1, 1000),
                DrainTimeout = Duration(settings, "drain_timeout") ?? TimeSpan.FromSeconds(25),
                LeaseRenewInterval = QueueFactory.Lease(settings) / 3,
            };
            var idleExit = Duration(settings, "idle_exit");
            options = options with { ReceiveWait = ReceiveWait(idleExit), AckLinger = AckLinger, BusyReceivePause = BusyReceivePause };
            var health = HealthOptions.From(settings);

            // SIGTERM asks for a graceful stop, like the first Ctrl-C; a second signal aborts.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            using var abort = new CancellationTokenSource();
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                try
                {
                    if (stop.IsCancellationRequested)
                    {
                        abort.Cancel();
                    }

                    stop.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // A signal handled while the command was already returning: nothing left to stop.
                }
            });

            await using var state = await ClusterState.OpenAsync(settings, CancellationToken.None);
            await using var host = new CliHost(settings, parse.GetValue(cluster.Shared.Verbose), role: "copier");
            await using var queue = await QueueFactory.OpenAsync(settings, host, CancellationToken.None);
            await using var depth = QueueDepthSampler.Start(queue, QueueFactory.Kind(settings), TimeSpan.FromSeconds(15));
            var progress = new SyncProgress { Phase = "copying" };
            var governor = new ConcurrencyGovernor(options.Concurrency, TimeProvider.System);
            host.Requests.Governor = governor;
            await using (var contexts = new JobCopyContextSource(state, host.OpenJobAsync, onBytes: progress.AddBytes))
            await using (new ProgressReporter(progress, parse.GetValue(quiet), TimeSpan.FromSeconds(settings.GetInt("progress_interval", 30, 1, 3600))))
            await using (var probes = health is null ? null : HealthServer.Start(health, [HealthCheck.State(state), HealthCheck.Queue(queue)], stop.Token))
            {
                var copier = new Copier(queue, contexts, state, options, progress, host.Loggers.CreateLogger<Copier>(), governor);
                var idle = new IdleDetector(progress, queue, idleExit);
                var workers = copier.RunAsync(idle.IsIdleAsync, stop.Token, abort.Token);
                probes?.Watch(workers);
                await workers;
            }

            // Export while the depth sampler still reports (it stops with this scope).
            host.Telemetry.Flush();

            Console.WriteLine($"copier stopped: copied {progress.Copied} objects ({Format.Bytes(progress.CopiedBytes)}), {progress.Failed} failed, {progress.Vanished} vanished");
            Summary.PrintRequests(host.Requests);
            Summary.PrintQueueRequests(host.QueueRequests);
            return ExitCodes.InSync;
        }, ct));
        return command;
    }

    /// <summary>Longest pause between receives that find the queue empty while this copier is busy with what it holds.</summary>
    private static readonly TimeSpan BusyReceivePause = TimeSpan.FromSeconds(8);

    /// <summary>How long an acknowledgement waits to share its request (its outcomes are already durable).</summary>
    private static readonly TimeSpan AckLinger = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The receive loop's longest wait: a 20 s long poll (SQS's longest; Postgres waits for NOTIFY;
    /// Pub/Sub pulls with a growing pause), so an idle copier costs about one request per 20 s —
    /// shorter with <c>--idle-exit</c>, which is checked between receives. Whole seconds,
    /// because SQS long polls count whole seconds.
    /// </summary>
    private static TimeSpan ReceiveWait(TimeSpan? idleExit)
    {
        var seconds = idleExit is { } idle ? Math.Floor(idle.TotalSeconds / 3) : 20;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 20));
    }

    private static TimeSpan? Duration(CliSettings settings, string key) =>
        settings.GetString(key) is { } text
            ? SyncSettings.ParseDuration(text) ?? throw new UsageException($"--{key.Replace('_', '-')}: '{text}' is not a duration like 30s, 10m or 2h")
            : null;
}
