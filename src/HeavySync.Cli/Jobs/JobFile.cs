using HeavySync.Cli.Commands;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HeavySync.Cli.Jobs;

/// <summary>A job as a file or the command line defines it.</summary>
/// <param name="Name">Unique job name.</param>
/// <param name="Source">Source location.</param>
/// <param name="Destination">Destination location.</param>
/// <param name="Settings">Flattened settings keys (<c>max_delete</c>, <c>include:0</c>...).</param>
internal sealed record JobDefinition(string Name, string Source, string Destination, IReadOnlyDictionary<string, string?> Settings);

/// <summary>
/// Reads job definitions from YAML:
/// <code>
/// jobs:
///   - name: photos
///     source: s3://photos/
///     destination: gs://photos-backup/
///     options:            # settings keys, as in the config file
///       max_delete: 5%
///       include: ["*.jpg", "*.png"]
/// </code>
/// </summary>
internal static class JobFile
{
    public static IReadOnlyList<JobDefinition> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"job file {path} does not exist");
        }

        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new UsageException($"job file {path} is not valid YAML (line {ex.Start.Line}): {ex.Message}");
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("jobs"), out var jobsNode) || jobsNode is not YamlSequenceNode jobs)
        {
            throw new UsageException($"job file {path}: expected a top-level 'jobs:' list");
        }

        var definitions = new List<JobDefinition>();
        var index = 0;
        foreach (var node in jobs)
        {
            index++;
            if (node is not YamlMappingNode job)
            {
                throw new UsageException($"job file {path}: job {index} is not a mapping");
            }

            var name = Scalar(job, "name", path, index);
            definitions.Add(new JobDefinition(
                name,
                Scalar(job, "source", path, index),
                Scalar(job, "destination", path, index),
                Options(job, path, name)));
        }

        var duplicate = definitions.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? definitions : throw new UsageException($"job file {path}: job '{duplicate.Key}' is defined twice");
    }

    private static string Scalar(YamlMappingNode job, string key, string path, int index) =>
        job.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text }
            ? text
            : throw new UsageException($"job file {path}: job {index} needs '{key}'");

    private static Dictionary<string, string?> Options(YamlMappingNode job, string path, string name)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!job.Children.TryGetValue(new YamlScalarNode("options"), out var node))
        {
            return settings;
        }

        if (node is not YamlMappingNode options)
        {
            throw new UsageException($"job file {path}: options of job '{name}' must be a mapping of settings");
        }

        foreach (var (keyNode, value) in options.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            switch (value)
            {
                case YamlScalarNode scalar:
                    settings[key] = scalar.Value;
                    break;
                case YamlSequenceNode list:
                    var i = 0;
                    foreach (var item in list)
                    {
                        settings[$"{key}:{i++}"] = item is YamlScalarNode s ? s.Value : throw new UsageException($"job file {path}: job '{name}' option '{key}' must be a list of strings");
                    }

                    break;
                default:
                    throw new UsageException($"job file {path}: job '{name}' option '{key}' must be a string or a list");
            }
        }

        return settings;
    }
}
