using System.CommandLine;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Jobs;
using HeavySync.Engine;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync finalizer [--job NAME]</c>: close every run whose copies are all settled.</summary>
internal static class FinalizerCommand
{
    public static Command Create()
    {
        var job = new Option<string?>("--job") { Description = "Only this job's runs (default: every job)." };
        var cluster = new ClusterOptions();
        var command = new Command("finalizer", "Cluster role: finalize every run whose copy tasks are all done, vanished or failed — " +
            "deletions (only after complete listings and with no failed task, within the job's --max-delete), old-version pruning, the report. " +
            "Runs still listing or copying are shown and left for a later pass. Exit 0 when every finalized run is in sync, " +
            "1 when one finished with failed objects, 3 when one was refused for safety.")
        {
            job,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = cluster.Shared.Load(parse);
            await using var state = await ClusterState.OpenAsync(settings, token);
            long? jobId = parse.GetValue(job) is { } name ? (await JobCatalog.FindAsync(state, name, token)).Id : null;
            await using var host = new CliHost(settings, parse.GetValue(cluster.Shared.Verbose), role: "finalizer", job: parse.GetValue(job));
            var passes = await new FinalizerRole(state, host.Loggers).RunAsync(jobId, host.OpenJobAsync, new SyncProgress(), token);
            if (passes.Count == 0)
            {
                Console.WriteLine("no unfinished runs");
            }

            var exit = ExitCodes.InSync;
            foreach (var pass in passes)
            {
                var label = $"job {pass.Job.Name ?? pass.Job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)} run {pass.Run.Number}";
                if (pass.Result is not { } result)
                {
                    Console.WriteLine($"{label}: waiting ({pass.Waiting})");
                    continue;
                }

                Console.WriteLine($"{label}: {result.Message}");
                foreach (var line in result.Report)
                {
                    Console.WriteLine("  " + line);
                }

                foreach (var failed in result.FailedTasks)
                {
                    Console.WriteLine($"  failed {failed.Key}: {failed.Error}");
                }

                exit = Math.Max(exit, result.Outcome switch
                {
                    SyncOutcome.Refused => ExitCodes.Refused,
                    SyncOutcome.Failures => ExitCodes.Failures,
                    _ => ExitCodes.InSync,
                });
            }

            Output.Summary.PrintRequests(host.Requests);
            return exit;
        }, ct));
        return command;
    }
}
