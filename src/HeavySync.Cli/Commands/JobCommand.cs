using System.CommandLine;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.Cli.Jobs;
using HeavySync.State;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync job create|list|show|delete</c>: the named jobs cluster roles work on.</summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var command = new Command("job", "Manage named jobs: a source, a destination and options that the lister, copier and finalizer roles work on.")
        {
            CreateCommand(),
            ListCommand(),
            ShowCommand(),
            DeleteCommand(),
        };
        return command;
    }

    private static Command CreateCommand()
    {
        var name = new Argument<string?>("NAME") { Description = "Job name (unique).", Arity = ArgumentArity.ZeroOrOne };
        var src = new Argument<string?>("SRC") { Description = "Source location.", Arity = ArgumentArity.ZeroOrOne };
        var dst = new Argument<string?>("DST") { Description = "Destination location.", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "Create (or update the options of) every job in this YAML file instead: a top-level 'jobs:' list of name, source, destination, options." };
        var shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        SyncSettings.AddOptions(shared);
        var command = new Command("create", "Create a job with the sync options given here (stored with the job), or every job of a YAML file. " +
            "A pair synced before with 'heavysync sync' keeps its ledger: the job takes it over.")
        {
            name, src, dst, file,
        };
        shared.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = shared.Load(parse);
            IReadOnlyList<JobDefinition> jobs;
            if (parse.GetValue(file) is { } path)
            {
                if (parse.GetValue(name) is not null)
                {
                    throw new UsageException("give either NAME SRC DST or --file, not both");
                }

                jobs = JobFile.Load(path);
            }
            else
            {
                var (n, s, d) = (parse.GetValue(name), parse.GetValue(src), parse.GetValue(dst));
                if (n is null || s is null || d is null)
                {
                    throw new UsageException("job create needs NAME SRC DST (or --file jobs.yaml)");
                }

                var flags = shared.Flags(parse);
                flags.Remove("state");
                jobs = [new JobDefinition(n, s, d, flags)];
            }

            foreach (var job in jobs)
            {
                JobCatalog.Validate(job, settings);
            }

            await using var state = await ClusterState.OpenAsync(settings, token);
            foreach (var job in jobs)
            {
                var (record, created) = await JobCatalog.SaveAsync(state, job, update: parse.GetValue(file) is not null, token);
                Console.WriteLine($"{(created ? "created" : "updated")} job {record.Name}: {record.Source} -> {record.Destination}");
            }

            return ExitCodes.InSync;
        }, ct));
        return command;
    }

    private static Command ListCommand()
    {
        var shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        var command = new Command("list", "List the jobs with their latest run.");
        shared.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            await using var state = await ClusterState.OpenAsync(shared.Load(parse), token);
            var jobs = await state.ListJobsAsync(token);
            if (jobs.Count == 0)
            {
                Console.WriteLine("no jobs; create one with 'heavysync job create NAME SRC DST'");
            }

            foreach (var job in jobs)
            {
                var latest = (await state.ListRunsAsync(job.Id, 1, token)).FirstOrDefault();
                var phase = latest is null ? "never run" : $"run {latest.Number} {latest.Phase.ToString().ToLowerInvariant()}";
                Console.WriteLine($"{job.Name ?? $"(unnamed #{job.Id})",-24} {job.Source} -> {job.Destination}  [{phase}]");
            }

            return ExitCodes.InSync;
        }, ct));
        return command;
    }

    private static Command ShowCommand()
    {
        var name = new Argument<string>("NAME") { Description = "Job name." };
        var shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        var command = new Command("show", "Show a job: its locations, stored options and recent runs.") { name };
        shared.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            await using var state = await ClusterState.OpenAsync(shared.Load(parse), token);
            var job = await JobCatalog.FindAsync(state, parse.GetValue(name)!, token);
            Console.WriteLine($"job {job.Name} (#{job.Id})");
            Console.WriteLine($"  source:      {job.Source}");
            Console.WriteLine($"  destination: {job.Destination}");
            foreach (var (key, value) in JobSettingsJson.Parse(job.OptionsJson).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"  option {key} = {value}");
            }

            await StatusCommand.PrintJobAsync(state, job, 3, token);
            return ExitCodes.InSync;
        }, ct));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("NAME") { Description = "Job name." };
        var shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        var command = new Command("delete", "Forget a job: its runs, manifests, tasks and ledger. No object in either location is touched.") { name };
        shared.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            await using var state = await ClusterState.OpenAsync(shared.Load(parse), token);
            var job = await JobCatalog.FindAsync(state, parse.GetValue(name)!, token);
            await state.DeleteJobAsync(job.Id, token);
            Console.WriteLine($"deleted job {job.Name}; its locations are untouched");
            return ExitCodes.InSync;
        }, ct));
        return command;
    }
}
