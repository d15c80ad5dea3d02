using YamlDotNet.RepresentationModel;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// docker-compose.yml checked without a Docker engine: it parses (anchors and merge keys
/// resolved), holds the whole stack, every heavysync service runs a command line the real CLI
/// accepts with variables the program reads, and the copier can be scaled.
/// </summary>
public sealed class ComposeTests : IDisposable
{
    private const string HeavySyncImage = "${HEAVYSYNC_IMAGE:-heavysync:local}";
    private static readonly YamlMappingNode Compose = (YamlMappingNode)YamlJson.LoadNode(RepositoryRoot.Combine("docker-compose.yml"));
    private readonly TempDirectory temp = new();

    private static YamlMappingNode Services => (YamlMappingNode)Compose["services"];

    [Fact]
    public void Compose_Services_TheWholeStack()
    {
        var names = Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();

        foreach (var service in new[] { "postgres", "s3", "sqs", "gcs", "pubsub", "jaeger", "migrate", "jobs", "lister", "copier", "finalizer" })
        {
            Assert.Contains(service, names);
        }
    }

    [Fact]
    public void Compose_HeavySyncServices_CommandsParsedByTheRealCli()
    {
        var commands = HeavySyncServices().ToDictionary(s => s.Name, s => Sequence(s.Service, "command"));
        var problems = commands.Select(c => (c.Key, problem: DeployChecks.CommandLineProblem(c.Value)))
            .Where(x => x.problem is not null)
            .Select(x => $"{x.Key}: {x.problem}")
            .ToList();

        Assert.Empty(problems);
        Assert.Equal(["copier", "finalizer", "jobs", "lister", "migrate"], commands.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("db migrate", string.Join(' ', commands["migrate"]));
        Assert.Equal("lister", commands["lister"][0]);
        Assert.Equal("copier", commands["copier"][0]);
        Assert.Equal("finalizer", commands["finalizer"][0]);
    }

    [Fact]
    public void Compose_HeavySyncServices_OnlyVariablesTheProgramReads()
    {
        var unknown = new List<string>();
        foreach (var (name, service) in HeavySyncServices())
        {
            var env = (YamlMappingNode)service["environment"];
            Assert.Contains(new YamlScalarNode("HEAVYSYNC_STATE"), env.Children.Keys);
            unknown.AddRange(env.Children.Keys.Select(k => ((YamlScalarNode)k).Value!)
                .Where(v => !DeployChecks.ProgramVariables.Contains(v))
                .Select(v => $"{name}: {v}"));
        }

        Assert.Empty(unknown);
    }

    [Fact]
    public void Compose_Copier_ScalableAndServesHealthInsideItsContainer()
    {
        var copier = (YamlMappingNode)Services["copier"];
        var env = (YamlMappingNode)copier["environment"];

        // A fixed name or host port would make `--scale copier=N` fail for N > 1.
        Assert.False(copier.Children.ContainsKey(new YamlScalarNode("container_name")));
        Assert.False(copier.Children.ContainsKey(new YamlScalarNode("ports")));
        Assert.Equal("0.0.0.0", ((YamlScalarNode)env["HEAVYSYNC_HEALTH_ADDRESS"]).Value);
        Assert.Equal(HeavySyncImage, ((YamlScalarNode)copier["image"]).Value);
    }

    [Fact]
    public void Compose_PublishedPorts_LoopbackOnly()
    {
        var ports = Services.Children.Values.Cast<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("ports")))
            .SelectMany(s => ((YamlSequenceNode)s["ports"]).Children.Select(p => ((YamlScalarNode)p).Value!))
            .ToList();

        Assert.NotEmpty(ports);
        Assert.All(ports, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Compose_MountedFiles_ExistInTheRepository()
    {
        var sources = Services.Children.Values.Cast<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("volumes")))
            .SelectMany(s => ((YamlSequenceNode)s["volumes"]).Children.Select(v => ((YamlScalarNode)v).Value!.Split(':')[0]))
            .Where(v => v.StartsWith("./", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.True(File.Exists(RepositoryRoot.Combine(s[2..])), $"{s} is mounted but missing"));
        Assert.True(File.Exists(RepositoryRoot.Combine("Dockerfile")));
    }

    [Fact]
    public void Compose_JobsFile_AcceptedByJobCreate()
    {
        var root = (YamlMappingNode)YamlJson.LoadNode(RepositoryRoot.Combine("compose/jobs.yaml"));
        var jobs = ((YamlSequenceNode)root["jobs"]).Children.Cast<YamlMappingNode>().ToList();

        var definitions = DeployChecks.LoadAndValidateJobs(jobs, temp.Path);

        Assert.Contains(definitions, d => d.Name == "demo-s3");
        var lister = Sequence((YamlMappingNode)Services["lister"], "command");
        Assert.Contains(lister[Array.IndexOf(lister, "--job") + 1], definitions.Select(d => d.Name));
    }

    private static IEnumerable<(string Name, YamlMappingNode Service)> HeavySyncServices() =>
        Services.Children
            .Where(kv => kv.Value is YamlMappingNode s && s.Children.TryGetValue(new YamlScalarNode("image"), out var image) && ((YamlScalarNode)image).Value == HeavySyncImage)
            .Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlMappingNode)kv.Value));

    private static string[] Sequence(YamlMappingNode service, string key) =>
        ((YamlSequenceNode)service[key]).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray();

    public void Dispose() => temp.Dispose();
}
