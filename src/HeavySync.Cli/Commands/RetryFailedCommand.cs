using System.CommandLine;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Jobs;
using HeavySync.Engine;
using HeavySync.State;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync retry-failed --job NAME</c>: give the failed tasks of a job's latest run another go.</summary>
internal static class RetryFailedCommand
{
    public static Command Create()
    {
        var job = new Option<string>("--job") { Description = "The job whose latest run's failed tasks to retry.", Required = true };
        var cluster = new ClusterOptions();
        var command = new Command("retry-failed", "Reset the failed copy and delete tasks of the job's latest run to pending and publish the copies again; " +
            "copiers take them, then the finalizer closes the run once more (deleting only if nothing fails this time).")
        {
            job,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = cluster.Shared.Load(parse);
            await using var state = await ClusterState.OpenAsync(settings, token);
            var record = await JobCatalog.FindAsync(state, parse.GetValue(job)!, token);
            var run = (await state.ListRunsAsync(record.Id, 1, token)).FirstOrDefault();
            if (run is null)
            {
                Console.WriteLine($"job {record.Name} has no runs yet");
                return ExitCodes.InSync;
            }

            var firstFailedCopy = (await state.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Failed, 0, 1, token)).FirstOrDefault();
            if (firstFailedCopy is not null && run.PublishedThrough >= firstFailedCopy.Id)
            {
                // Lower the checkpoint first: a crash before the reset re-publishes nothing (the tasks
                // are still failed), a crash after it leaves them to any later publish.
                await state.SetPublishCheckpointAsync(run.Id, firstFailedCopy.Id - 1, token);
            }

            var reset = await state.RetryFailedAsync(run.Id, token);
            if (reset == 0)
            {
                Console.WriteLine($"job {record.Name} run {run.Number}: no failed tasks");
                return ExitCodes.InSync;
            }

            await using var host = new CliHost(settings, parse.GetValue(cluster.Shared.Verbose), role: "retry-failed", job: record.Name, run: run.Id);
            await using var queue = await QueueFactory.OpenAsync(settings, host, token);
            run = await state.GetRunAsync(run.Id, token);
            var published = await new TaskPublisher(state, queue, SyncSettings.Bind(settings)).PublishPendingAsync(run, token, durableQueue: true);
            Console.WriteLine($"job {record.Name} run {run.Number}: {reset} failed tasks reset to pending, {published} copy tasks published; " +
                "the copiers take them and the finalizer closes the run");
            Output.Summary.PrintQueueRequests(host.QueueRequests);
            return ExitCodes.InSync;
        }, ct));
        return command;
    }
}
