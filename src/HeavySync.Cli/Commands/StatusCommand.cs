using System.CommandLine;
using System.Globalization;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Jobs;
using HeavySync.State.Postgres;
using HeavySync.Engine;
using HeavySync.State;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync status</c>: jobs, runs, progress and failures from a state file.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var shared = new SharedOptions();
        var runs = new Option<int>("--runs") { Description = "Runs to show per job (default 3).", DefaultValueFactory = _ => 3 };
        var job = new Option<string?>("--job") { Description = "Only this named job." };
        var command = new Command("status", "Show the jobs in a state file: their recent runs, where each stands, and failed objects with their causes. " +
            "Without --state, every state file in the per-user state directory.")
        {
            runs, job,
        };
        shared.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = shared.Load(parse);
            var files = settings.GetString("state") is { } one
                ? [one]
                : Directory.Exists(StatePaths.Directory(settings))
                    ? Directory.GetFiles(StatePaths.Directory(settings), "*.db").Order(StringComparer.Ordinal).ToArray()
                    : [];
            if (files.Length == 0)
            {
                Console.WriteLine("no state files: nothing has been synced yet");
                return ExitCodes.InSync;
            }

            foreach (var file in files)
            {
                if (!ClusterState.IsPostgres(file) && !File.Exists(file))
                {
                    throw new UsageException($"state file {file} does not exist");
                }

                await using var state = await CliHost.OpenStateAsync(file, token);
                await PrintAsync(state, file, parse.GetValue(job), parse.GetValue(runs), token);
            }

            return ExitCodes.InSync;
        }, ct));
        return command;
    }

    private static async Task PrintAsync(IStateStore state, string file, string? jobName, int runCount, CancellationToken cancellationToken)
    {
        Console.WriteLine($"state {Redacted(file)}");
        var jobs = jobName is null ? await state.ListJobsAsync(cancellationToken) : [await JobCatalog.FindAsync(state, jobName, cancellationToken)];
        foreach (var job in jobs)
        {
            Console.WriteLine($"  job {job.Name ?? job.Id.ToString(CultureInfo.InvariantCulture)}: {job.Source} -> {job.Destination}");
            await PrintJobAsync(state, job, runCount, cancellationToken);
        }
    }

    /// <summary>A job's recent runs: phase, plan, counters, failures, report.</summary>
    public static async Task PrintJobAsync(IStateStore state, JobRecord job, int runCount, CancellationToken cancellationToken)
    {
        foreach (var run in await state.ListRunsAsync(job.Id, Math.Max(1, runCount), cancellationToken))
        {
            var counters = await state.GetCountersAsync(run.Id, cancellationToken);
            var when = run.StartedAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            Console.WriteLine($"    run {run.Number} ({when}): {Describe(run)}");
            if (run.Plan is { } plan)
            {
                Console.WriteLine($"      plan: copy {plan.CopyObjects} ({Format.Bytes(plan.CopyBytes)}), unchanged {plan.UnchangedObjects}, delete {plan.DeleteObjects}");
                Console.WriteLine($"      copies: {counters.CopyDone} done, {counters.CopyPending} pending, {counters.CopyVanished} vanished, {counters.CopyFailed} failed; deletions: {counters.DeleteDone} done, {counters.DeletePending} pending, {counters.DeleteFailed} failed");
            }

            foreach (var action in new[] { TaskAction.Copy, TaskAction.Delete })
            {
                foreach (var failed in await state.GetTasksAsync(run.Id, action, WorkTaskStatus.Failed, 0, 20, cancellationToken))
                {
                    Console.WriteLine($"      failed {action.ToString().ToLowerInvariant()} {failed.Key}: {failed.Error}");
                }
            }

            if (run.Report is { } report && run.Phase != RunPhase.DryRun)
            {
                foreach (var line in report.Split('\n'))
                {
                    Console.WriteLine("      " + line);
                }
            }
        }
    }

    /// <summary>A state location fit to print: a postgres:// URL loses its password.</summary>
    private static string Redacted(string state) =>
        PostgresConnectionString.IsPostgres(state) ? PostgresConnectionString.Redact(state) : state;

    private static string Describe(RunRecord run) => run.Phase switch
    {
        RunPhase.Listing => $"listing (source {(run.SourceListed ? "done" : "in progress")}, destination {(run.DestinationListed ? "done" : "in progress")}); interrupted or running",
        RunPhase.Copying => "copying; interrupted or running",
        RunPhase.Finalizing => "finalizing; interrupted or running",
        RunPhase.Done => "done",
        RunPhase.Refused => "refused for safety",
        RunPhase.DryRun => "dry run",
        _ => run.Phase.ToString(),
    };
}
