using HeavySync.Cli;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Jobs;
using YamlDotNet.RepresentationModel;

namespace HeavySync.Tests.Deploy;

/// <summary>Checks deployment files make against the real CLI: command lines, variable names, job files.</summary>
internal static class DeployChecks
{
    /// <summary>Every environment variable heavysync reads (from the real command tree).</summary>
    public static IReadOnlySet<string> ProgramVariables { get; } = EnvironmentNames.All(HeavySyncCli.CreateRoot());

    /// <summary>Null when the real CLI parses <paramref name="args"/> into a runnable command, else why not.</summary>
    public static string? CommandLineProblem(IReadOnlyList<string> args)
    {
        var parsed = HeavySyncCli.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            return string.Join("; ", parsed.Errors.Select(e => e.Message));
        }

        return parsed.CommandResult.Command.Action is null ? $"'{string.Join(' ', args)}' is not a runnable command" : null;
    }

    /// <summary>
    /// Writes <paramref name="jobs"/> (YAML job mappings) as a job file, loads it with the real
    /// <see cref="JobFile"/> and validates each job as <c>heavysync job create --file</c> does.
    /// </summary>
    public static IReadOnlyList<JobDefinition> LoadAndValidateJobs(IEnumerable<YamlMappingNode> jobs, string directory)
    {
        var file = Path.Combine(directory, $"jobs-{Guid.NewGuid():N}.yaml");
        var root = new YamlMappingNode { { "jobs", new YamlSequenceNode(jobs) } };
        using (var writer = new StreamWriter(file))
        {
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        }

        var definitions = JobFile.Load(file);
        var settings = CliSettings.Load(null, new Dictionary<string, string?>());
        foreach (var job in definitions)
        {
            JobCatalog.Validate(job, settings);
        }

        return definitions;
    }
}
