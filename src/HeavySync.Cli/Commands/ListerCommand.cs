using System.CommandLine;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Jobs;
using HeavySync.Cli.Output;
using HeavySync.Engine;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync lister --job NAME</c>: list, plan and publish one run of a job.</summary>
internal static class ListerCommand
{
    public static Command Create()
    {
        var job = new Option<string>("--job") { Description = "The job to list (see 'heavysync job list').", Required = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress lines." };
        var cluster = new ClusterOptions();
        var command = new Command("lister", "Cluster role: list the job's source and destination into the state (resuming a listing that was interrupted), " +
            "plan the run and publish its copy tasks to the queue. Then exits; copiers do the copying and the finalizer closes the run. " +
            "If the job's run is already published, does nothing; if another lister runs the job, exits at once.")
        {
            job, quiet,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = cluster.Shared.Load(parse);
            await using var state = await ClusterState.OpenAsync(settings, token);
            var record = await JobCatalog.FindAsync(state, parse.GetValue(job)!, token);
            await using var host = new CliHost(settings, parse.GetValue(cluster.Shared.Verbose), role: "lister", job: record.Name);
            await using var queue = await QueueFactory.OpenAsync(settings, host, token);

            var progress = new SyncProgress();
            ListerResult result;
            await using (new ProgressReporter(progress, parse.GetValue(quiet), TimeSpan.FromSeconds(settings.GetInt("progress_interval", 10, 1, 3600))))
            {
                result = await new ListerRole(state, queue, host.Loggers).RunAsync(record, host.OpenJobAsync, progress, token);
            }

            switch (result.Outcome)
            {
                case ListerOutcome.Busy:
                    Console.WriteLine($"job {record.Name}: another lister is running it; nothing to do");
                    break;
                case ListerOutcome.AlreadyPublished when result.Run!.IsFinished:
                    Console.WriteLine($"job {record.Name} run {result.Run.Number}: {result.Run.Phase.ToString().ToLowerInvariant()}");
                    break;
                default:
                    var run = result.Run!;
                    var plan = run.Plan!;
                    Console.WriteLine(
                        $"job {record.Name} run {run.Number}: source {plan.SourceObjects} objects ({Format.Bytes(plan.SourceBytes)}), destination {plan.DestinationObjects}; " +
                        $"plan: copy {plan.CopyObjects} ({Format.Bytes(plan.CopyBytes)}), unchanged {plan.UnchangedObjects}, delete candidates {plan.DeleteObjects}; " +
                        $"published {result.Published} copy tasks" + (result.Outcome == ListerOutcome.AlreadyPublished ? " (the rest were published earlier)" : string.Empty));
                    break;
            }

            Summary.PrintRequests(host.Requests);
            Summary.PrintQueueRequests(host.QueueRequests);
            return ExitCodes.InSync;
        }, ct));
        return command;
    }
}
