using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// charts/heavysync checked without Helm: the chart and values parse, every values file validates
/// against the strict schema, the templates use only values that exist (and every value is used),
/// every documented key has its comment, and what the roles read — command lines, environment
/// names, job definitions — is what the real CLI accepts.
/// </summary>
public sealed class ChartTests : IDisposable
{
    private static readonly string Chart = RepositoryRoot.Combine("charts/heavysync");
    private static readonly JsonObject Schema = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Chart, "values.schema.json")))!;
    private static readonly JsonNode Defaults = YamlJson.Load(Path.Combine(Chart, "values.yaml"))!;
    private static readonly ChartTemplates Templates = ChartTemplates.Load(Chart);
    private readonly TempDirectory temp = new();

    public static TheoryData<string> CiValuesFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Chart, "ci"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void ChartYaml_Parses_NamesTheChartWithSemanticVersions()
    {
        var chart = (JsonObject)YamlJson.Load(Path.Combine(Chart, "Chart.yaml"))!;

        Assert.Equal("v2", (string?)chart["apiVersion"]);
        Assert.Equal("heavysync", (string?)chart["name"]);
        Assert.Equal("application", (string?)chart["type"]);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", (string?)chart["version"]);
        Assert.Matches(@"^\d+\.\d+\.\d+", (string?)chart["appVersion"]);
    }

    [Fact]
    public void ValuesYaml_Defaults_ValidateAgainstSchema()
    {
        Assert.Empty(JsonSchemaSubset.Validate(Defaults, Schema));
    }

    [Fact]
    public void CiValues_OneFilePerQueueKind()
    {
        var kinds = Directory.EnumerateFiles(Path.Combine(Chart, "ci"), "*.yaml")
            .Select(f => (string?)Merged(Path.GetFileName(f))["queue"]!["kind"])
            .ToHashSet();

        Assert.Equal(["postgres", "pubsub", "sqs"], kinds.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void CiValues_MergedOverDefaults_ValidateAgainstSchema(string file)
    {
        Assert.Empty(JsonSchemaSubset.Validate(Merged(file), Schema));
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void CiValues_Jobs_AcceptedByJobCreate(string file)
    {
        var node = (YamlMappingNode)YamlJson.LoadNode(Path.Combine(Chart, "ci", file));
        if (!node.Children.TryGetValue(new YamlScalarNode("jobs"), out var jobsNode) || ((YamlSequenceNode)jobsNode).Children.Count == 0)
        {
            return;
        }

        // The ConfigMap keeps name, source, destination and options; schedule is the chart's own.
        var jobs = ((YamlSequenceNode)jobsNode).Children.Cast<YamlMappingNode>().Select(job =>
            new YamlMappingNode(job.Children.Where(kv => ((YamlScalarNode)kv.Key).Value != "schedule")));

        var definitions = DeployChecks.LoadAndValidateJobs(jobs, temp.Path);

        Assert.Equal(((YamlSequenceNode)jobsNode).Children.Count, definitions.Count);
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void CiValues_ExtraEnv_OnlyVariablesTheProgramReads(string file)
    {
        var names = (Merged(file)["extraEnv"] as JsonArray ?? []).Select(e => (string)e!["name"]!);

        Assert.All(names, name => Assert.Contains(name, DeployChecks.ProgramVariables));
    }

    [Fact]
    public void Schema_EveryObjectIsClosed_EveryPropertyDescribed()
    {
        var problems = new List<string>();
        Walk(Schema, "$", problems);

        Assert.Empty(problems);

        static void Walk(JsonObject schema, string path, List<string> problems)
        {
            if (schema["properties"] is JsonObject properties)
            {
                if (schema["additionalProperties"] is not JsonValue flag || flag.GetValue<bool>())
                {
                    problems.Add($"{path}: has properties but is not additionalProperties: false");
                }

                foreach (var (name, child) in properties)
                {
                    if (child!["description"] is null)
                    {
                        problems.Add($"{path}.{name}: no description");
                    }

                    Walk((JsonObject)child, $"{path}.{name}", problems);
                }
            }

            if (schema["items"] is JsonObject items)
            {
                Walk(items, path + "[]", problems);
            }
        }
    }

    [Fact]
    public void Schema_QueueKind_IsAnEnumOfTheThreeKinds()
    {
        var kind = Schema["properties"]!["queue"]!["properties"]!["kind"]!;

        Assert.Equal(["sqs", "pubsub", "postgres"], ((JsonArray)kind["enum"]!).Select(k => (string)k!));
    }

    [Fact]
    public void Templates_EveryValuesPath_ExistsInValuesYaml()
    {
        var used = Templates.ValuesPaths().ToList();
        var missing = used.Where(u => !Exists(Defaults, u.Path)).Select(u => $"{u.File}: .Values.{u.Path}").Distinct().ToList();

        Assert.True(used.Count > 40, $"only {used.Count} values references found: the scanner is broken");
        Assert.Empty(missing);
    }

    [Fact]
    public void ValuesYaml_EveryLeaf_UsedByATemplate()
    {
        var used = Templates.ValuesPaths().Select(u => u.Path).ToHashSet(StringComparer.Ordinal);
        var unused = Leaves(Schema, string.Empty)
            .Where(leaf => !used.Any(u => leaf == u || leaf.StartsWith(u + ".", StringComparison.Ordinal) || u.StartsWith(leaf + ".", StringComparison.Ordinal)))
            .ToList();

        Assert.Empty(unused);
    }

    [Fact]
    public void ValuesYaml_EveryLeafKey_HasACommentAbove()
    {
        var path = Path.Combine(Chart, "values.yaml");
        var lines = File.ReadAllLines(path);
        var root = (YamlMappingNode)YamlJson.LoadNode(path);
        var undocumented = Leaves(Schema, string.Empty)
            .Select(leaf => (leaf, key: KeyNode(root, leaf)))
            .Where(x => x.key is null || !lines[(int)x.key.Start.Line - 2].TrimStart().StartsWith('#'))
            .Select(x => x.leaf)
            .ToList();

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Templates_CommandLines_ParsedByTheRealCli()
    {
        var lines = Templates.CommandLines(placeholder: "photos").ToList();
        var problems = lines.Select(l => (l, problem: DeployChecks.CommandLineProblem(l.Args)))
            .Where(x => x.problem is not null)
            .Select(x => $"{x.l.File}: heavysync {string.Join(' ', x.l.Args)}: {x.problem}")
            .ToList();

        Assert.Empty(problems);
        var commands = lines.Select(l => string.Join(' ', l.Args)).ToHashSet();
        Assert.Contains("lister --job photos", commands);
        Assert.Contains("job create --file /etc/heavysync/jobs/jobs.yaml", commands);
        Assert.Contains("copier", commands);
        Assert.Contains("finalizer", commands);
        Assert.Contains("db migrate", commands);
    }

    [Fact]
    public void Templates_JobsFileMount_MatchesThePathJobCreateReads()
    {
        var helpers = Templates.Files["_helpers.tpl"];
        var jobCreate = Templates.CommandLines("x").Single(l => l.Args[0] == "job").Args;
        var file = jobCreate[Array.IndexOf(jobCreate, "--file") + 1];

        Assert.Contains($"mountPath: {Path.GetDirectoryName(file)}", helpers);
        Assert.Contains($"{Path.GetFileName(file)}: |", Templates.Files["common/configmap-jobs.yaml"]);
    }

    [Fact]
    public void Templates_EnvironmentNames_OnlyVariablesTheProgramReads()
    {
        var names = Templates.EnvironmentNames().ToList();
        var unknown = names.Where(n => !DeployChecks.ProgramVariables.Contains(n.Name)).Select(n => $"{n.File}: {n.Name}").ToList();

        Assert.Empty(unknown);
        var set = names.Select(n => n.Name).ToHashSet();
        foreach (var required in new[]
                 {
                     "HEAVYSYNC_STATE", "HEAVYSYNC_QUEUE", "HEAVYSYNC_DRAIN_TIMEOUT", "HEAVYSYNC_HEALTH_PORT", "HEAVYSYNC_HEALTH_ADDRESS",
                     "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_RESOURCE_ATTRIBUTES", "HEAVYSYNC_LOG_FORMAT",
                 })
        {
            Assert.Contains(required, set);
        }

        // Each role names its own service (heavysync-ROLE); one OTEL_SERVICE_NAME would merge them.
        Assert.DoesNotContain("OTEL_SERVICE_NAME", set);
    }

    [Fact]
    public void Templates_StateUrl_OnlyFromASecretReference()
    {
        var env = Templates.Files["_helpers.tpl"];
        var state = Regex.Match(env, @"- name: HEAVYSYNC_STATE\s*\n(\s+)(\S.*)");

        Assert.True(state.Success, "HEAVYSYNC_STATE is not set in the shared environment");
        Assert.Equal("valueFrom:", state.Groups[2].Value.Trim());
        Assert.Contains("secretKeyRef:", env[state.Index..(state.Index + 200)]);
        Assert.DoesNotMatch(@"value:\s*[""']?postgres(ql)?://", string.Concat(Templates.Files.Values));
    }

    [Fact]
    public void PostgresQueueQuery_ChartDefault_MatchesTheQueueImplementation()
    {
        // KEDA's postgresql trigger must count exactly what the copiers' own depth check counts.
        var chartDefault = (string?)Defaults["queue"]!["postgres"]!["pendingQuery"];

        Assert.Equal(Normalise(HeavySync.State.Postgres.Queue.PostgresWorkQueue.PendingQuery), Normalise(chartDefault));

        static string Normalise(string? sql) => Regex.Replace(sql ?? string.Empty, @"\s+", " ").Trim().TrimEnd(';');
    }

    /// <summary>values.yaml with ci/<paramref name="ciFile"/> merged over it, as Helm merges them.</summary>
    public static JsonNode MergedValues(string ciFile) => Merged(ciFile);

    private static JsonNode Merged(string ciFile) =>
        YamlJson.Merge(Defaults, YamlJson.Load(Path.Combine(Chart, "ci", ciFile)))!;

    private static bool Exists(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.ContainsKey(part))
            {
                return false;
            }

            node = obj[part];
        }

        return true;
    }

    /// <summary>Dot paths of the schema's leaves: properties without properties of their own.</summary>
    private static IEnumerable<string> Leaves(JsonObject schema, string prefix)
    {
        foreach (var (name, child) in schema["properties"] as JsonObject ?? [])
        {
            var path = prefix.Length == 0 ? name : prefix + "." + name;
            if (child!["properties"] is JsonObject)
            {
                foreach (var leaf in Leaves((JsonObject)child, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    private static YamlScalarNode? KeyNode(YamlMappingNode root, string path)
    {
        YamlNode node = root;
        YamlScalarNode? key = null;
        foreach (var part in path.Split('.'))
        {
            if (node is not YamlMappingNode map)
            {
                return null;
            }

            key = map.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == part);
            if (key is null)
            {
                return null;
            }

            node = map.Children[key];
        }

        return key;
    }

    public void Dispose() => temp.Dispose();
}
