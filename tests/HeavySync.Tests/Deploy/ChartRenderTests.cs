using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HeavySync.Cli.Telemetry;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// charts/heavysync rendered by the real Helm (<c>helm lint --strict</c>, <c>helm template</c>)
/// for every values file in ci/ and for each invalid combination the chart must refuse: the
/// objects Kubernetes would get, their names, the KEDA wiring, and what each role's process reads.
/// </summary>
public sealed partial class ChartRenderTests : IDisposable
{
    private const string Release = "rel";
    private readonly TempDirectory temp = new();

    public static TheoryData<string> CiValuesFiles() => ChartTests.CiValuesFiles();

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void HelmLint_CiValues_PassesStrict(string file)
    {
        var lint = HelmRunner.Run("lint", "--strict", HelmRunner.Chart, "-f", CiFile(file));

        Assert.True(lint.ExitCode == 0, lint.ToString());
        Assert.Contains("0 chart(s) failed", lint.Output);
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void HelmTemplate_CiValues_ObjectsWellFormedAndNamedWithinLimits(string file)
    {
        var objects = Render(file);

        Assert.Contains(objects, o => Kind(o) == "Deployment");
        Assert.Contains(objects, o => Kind(o) == "CronJob" && Name(o).EndsWith("-finalizer", StringComparison.Ordinal));
        Assert.All(objects, o =>
        {
            Assert.False(string.IsNullOrEmpty((string?)o["apiVersion"]), $"{Kind(o)} without apiVersion");
            Assert.Matches(Dns1123(), Name(o));
            Assert.True(Name(o).Length <= (Kind(o) == "CronJob" ? 52 : 63), $"{Kind(o)} {Name(o)} is too long");
        });
        Assert.Equal(objects.Count, objects.Select(o => Kind(o) + "/" + Name(o)).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void HelmTemplate_CiValues_EveryContainerRunsARealCommandWithVariablesTheProgramReads(string file)
    {
        var containers = Render(file).SelectMany(PodSpecs).SelectMany(p => Containers(p.Spec)).ToList();

        Assert.NotEmpty(containers);
        Assert.All(containers, c =>
        {
            var args = ((JsonArray)c["args"]!).Select(a => (string)a!).ToList();
            Assert.Null(DeployChecks.CommandLineProblem(args));
            Assert.All(Env(c).Keys, name => Assert.Contains(name, DeployChecks.ProgramVariables));
            var state = c["env"]!.AsArray().Single(e => (string?)e!["name"] == "HEAVYSYNC_STATE")!;
            Assert.NotNull(state["valueFrom"]?["secretKeyRef"]);
            Assert.Null(state["value"]);
        });
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void HelmTemplate_CiValues_EachRoleIsItsOwnServiceWithJsonLogs(string file)
    {
        var values = ChartTests.MergedValues(file);
        var pods = Render(file).SelectMany(PodSpecs).ToList();
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (component, spec) in pods)
        {
            foreach (var container in Containers(spec))
            {
                var env = Env(container);
                var attributes = TelemetryResource.ParseAttributes(env["OTEL_RESOURCE_ATTRIBUTES"]);
                Assert.False(env.ContainsKey("OTEL_SERVICE_NAME"), "OTEL_SERVICE_NAME would make every role one service");
                Assert.Equal(component, attributes["heavysync.role"]);
                var expectedNamespace = (string?)values["telemetry"]!["serviceNamespace"] is { Length: > 0 } ns ? ns : Release;
                Assert.Equal(expectedNamespace, attributes["service.namespace"]);
                Assert.Equal((string?)values["logFormat"], env["HEAVYSYNC_LOG_FORMAT"]);

                // What the role's process makes of that environment: its own service name.
                var resource = TelemetryResource.Create(component, null, null, name => env.GetValueOrDefault(name)).Build();
                var serviceName = (string)resource.Attributes.Single(a => a.Key == "service.name").Value;
                Assert.Equal("heavysync-" + component, serviceName);
                roles[component] = serviceName;
            }
        }

        var expected = new List<string> { "copier", "finalizer" };
        if (((JsonArray)values["jobs"]!).Count > 0)
        {
            expected.Add("lister");
        }

        if ((bool)values["migrate"]!["enabled"]!)
        {
            expected.Add("migrate");
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), roles.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void HelmTemplate_CiValues_KedaOwnsReplicasAndPointsAtTheDeploymentAndItsAuthentication(string file)
    {
        var values = ChartTests.MergedValues(file);
        var objects = Render(file);
        var deployment = objects.Single(o => Kind(o) == "Deployment");
        var keda = (bool)values["copier"]!["keda"]!["enabled"]!;
        if (!keda)
        {
            Assert.Equal((int)values["copier"]!["replicas"]!, (int)deployment["spec"]!["replicas"]!);
            Assert.DoesNotContain(objects, o => Kind(o) is "ScaledObject" or "TriggerAuthentication");
            return;
        }

        Assert.Null(deployment["spec"]!["replicas"]);
        var scaled = objects.Single(o => Kind(o) == "ScaledObject");
        var auth = objects.Single(o => Kind(o) == "TriggerAuthentication");
        Assert.Equal(Name(deployment), (string?)scaled["spec"]!["scaleTargetRef"]!["name"]);
        var trigger = scaled["spec"]!["triggers"]![0]!;
        Assert.Equal(Name(auth), (string?)trigger["authenticationRef"]!["name"]);
        Assert.Null(trigger["metadata"]!["identityOwner"]);
        var expectedType = (string?)values["queue"]!["kind"] switch
        {
            "sqs" => "aws-sqs-queue",
            "pubsub" => "gcp-pubsub",
            _ => "postgresql",
        };
        Assert.Equal(expectedType, (string?)trigger["type"]);
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void HelmTemplate_CiValues_EveryVolumeMountHasItsVolume(string file)
    {
        foreach (var (_, spec) in Render(file).SelectMany(PodSpecs))
        {
            var volumes = spec["volumes"]!.AsArray().Select(v => (string)v!["name"]!).ToHashSet();
            foreach (var container in Containers(spec))
            {
                Assert.All(container["volumeMounts"]!.AsArray(), m => Assert.Contains((string)m!["name"]!, volumes));
            }
        }
    }

    [Fact]
    public void HelmTemplate_PostgresExample_FileSourceIsOnAMountedVolume()
    {
        var values = ChartTests.MergedValues("postgres-values.yaml");
        var source = new Uri((string)values["jobs"]![0]!["source"]!);
        var listers = Render("postgres-values.yaml").Where(o => Kind(o) == "CronJob" && Name(o).Contains("-lister-", StringComparison.Ordinal)).ToList();

        var lister = Assert.Single(listers);
        var spec = lister["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!;
        var mounts = Containers(spec).Single(c => (string?)c["name"] == "lister")["volumeMounts"]!.AsArray();
        Assert.Contains(mounts, m => source.AbsolutePath.StartsWith((string)m!["mountPath"]!, StringComparison.Ordinal) && (bool?)m["readOnly"] == true);
        Assert.Contains(spec["volumes"]!.AsArray(), v => v!["persistentVolumeClaim"] is not null);
    }

    [Fact]
    public void HelmTemplate_PostgresKeda_OwnConnectionKeyNotTheStateUrl()
    {
        var auth = Render("postgres-values.yaml").Single(o => Kind(o) == "TriggerAuthentication");
        var reference = auth["spec"]!["secretTargetRef"]!.AsArray().Single()!;

        Assert.Equal("connection", (string?)reference["parameter"]);
        Assert.Equal("keda-connection", (string?)reference["key"]);
        Assert.Equal("heavysync-state", (string?)reference["name"]);

        var own = Render("postgres-values.yaml", "copier.keda.authentication.secretName=keda-db", "copier.keda.authentication.postgresConnectionKey=url")
            .Single(o => Kind(o) == "TriggerAuthentication")["spec"]!["secretTargetRef"]![0]!;
        Assert.Equal(("keda-db", "url"), ((string?)own["name"], (string?)own["key"]));
    }

    [Theory]
    [InlineData("workload", "workload")]
    [InlineData("operator", "keda")]
    public void HelmTemplate_SqsKedaIdentity_PodIdentityProviderAwsWithItsOwner(string mode, string owner)
    {
        var objects = Render("sqs-values.yaml", $"copier.keda.authentication.mode={mode}");

        var identity = objects.Single(o => Kind(o) == "TriggerAuthentication")["spec"]!["podIdentity"]!;
        Assert.Equal("aws", (string?)identity["provider"]);
        Assert.Equal(owner, (string?)identity["identityOwner"]);
        var trigger = objects.Single(o => Kind(o) == "ScaledObject")["spec"]!["triggers"]![0]!;
        Assert.Null(trigger["metadata"]!["identityOwner"]);
        Assert.Equal("eu-west-1", (string?)trigger["metadata"]!["awsRegion"]);
    }

    [Fact]
    public void HelmTemplate_LongReleaseAndJobNames_CronJobNamesFitAndStayDistinct()
    {
        var release = new string('r', 53);
        var values = WriteValues("""
            jobs:
              - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-one, source: "s3://a/", destination: "s3://b/"}
              - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-two, source: "s3://a/", destination: "s3://c/"}
            """);

        var result = HelmRunner.Template(release, [CiFile("sqs-values.yaml"), values]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var cronJobs = HelmRunner.Objects(result.Output).Where(o => Kind(o) == "CronJob").Select(Name).ToList();
        Assert.Equal(3, cronJobs.Count);
        Assert.All(cronJobs, n => Assert.InRange(n.Length, 1, 52));
        Assert.Equal(3, cronJobs.Distinct().Count());
        Assert.Contains(cronJobs, n => n.EndsWith("-finalizer", StringComparison.Ordinal));
    }

    public static TheoryData<string, string[], string> InvalidCombinations() => new()
    {
        { "sqs-values.yaml", ["state.existingSecret="], "state.existingSecret is required" },
        { "sqs-values.yaml", ["queue.sqs.queueUrl="], "queue.sqs.queueUrl is empty" },
        { "pubsub-values.yaml", ["queue.pubsub.subscription="], "set queue.pubsub.project and queue.pubsub.subscription" },
        { "sqs-values.yaml", ["copier.replicas=3"], "KEDA owns the replica count" },
        { "sqs-values.yaml", ["copier.keda.minReplicaCount=9", "copier.keda.maxReplicaCount=2"], "maxReplicaCount is below minReplicaCount" },
        { "sqs-values.yaml", ["copier.keda.authentication.mode=secret"], "copier.keda.authentication.secretName is empty" },
        { "sqs-values.yaml", ["queue.leaseSeconds=60"], "queue.leaseSeconds must exceed copier.drainTimeoutSeconds" },
        { "pubsub-values.yaml", ["queue.leaseSeconds=601"], "at most 600 for pubsub" },
        { "pubsub-values.yaml", ["queue.leaseSeconds=9", "copier.drainTimeoutSeconds=5"], "at least 10 for pubsub" },
        { "sqs-values.yaml", ["@jobs: [{name: photos, source: 's3://a/', destination: 's3://b/'}, {name: photos, source: 's3://a/', destination: 's3://c/'}]"], "job \"photos\" is defined twice" },
        { "sqs-values.yaml", ["@jobs: [{name: A_b, source: 's3://a/', destination: 's3://b/'}, {name: a.b, source: 's3://a/', destination: 's3://c/'}]"], "rename one of the jobs" },
        { "sqs-values.yaml", ["queue.sqs.queueUrl=http://sqs.local:9324/1/q", "aws.region="], "KEDA needs the SQS region" },
        { "sqs-values.yaml", ["telemetry.serviceName=heavysync"], "serviceName" },
    };

    [Theory]
    [MemberData(nameof(InvalidCombinations))]
    public void HelmTemplate_InvalidCombination_FailsWithOneClearLine(string file, string[] sets, string expected)
    {
        // "@..." is a values file of its own (lists cannot be given with --set without losing their other items).
        var files = new List<string> { CiFile(file) };
        files.AddRange(sets.Where(s => s.StartsWith('@')).Select(s => WriteValues(s[1..])));
        var result = HelmRunner.Template(Release, files, [.. sets.Where(s => !s.StartsWith('@'))]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void ValidateTemplate_EveryFailCondition_CoveredByAnInvalidCombinationTest()
    {
        var text = File.ReadAllText(Path.Combine(HelmRunner.Chart, "templates", "_validate.tpl"));
        var failures = FailMessage().Matches(text).Select(m => m.Groups[1].Value).ToList();
        var tested = InvalidCombinations().Select(row => (string)row[2]).ToList();

        Assert.True(failures.Count >= 10, $"only {failures.Count} fail calls found: the scanner is broken");
        Assert.All(failures, message => Assert.Contains(tested, t => message.Contains(t, StringComparison.Ordinal) || Unquote(message).Contains(t.Replace("\"photos\"", "%q", StringComparison.Ordinal), StringComparison.Ordinal)));
    }

    public void Dispose() => temp.Dispose();

    private static string Unquote(string message) => message.Replace("\\\"", "\"", StringComparison.Ordinal);

    private List<JsonObject> Render(string file, params string[] sets)
    {
        var result = HelmRunner.Template(Release, [CiFile(file)], sets);
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. HelmRunner.Objects(result.Output)];
    }

    private string WriteValues(string yaml)
    {
        var path = Path.Combine(temp.Path, $"values-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string CiFile(string file) => Path.Combine(HelmRunner.Chart, "ci", file);

    private static string Kind(JsonObject o) => (string)o["kind"]!;

    private static string Name(JsonObject o) => (string)o["metadata"]!["name"]!;

    /// <summary>Pod specs of Deployments, Jobs and CronJobs, with the component (role) label of their pods.</summary>
    private static IEnumerable<(string Component, JsonNode Spec)> PodSpecs(JsonObject o)
    {
        var template = Kind(o) switch
        {
            "Deployment" or "Job" => o["spec"]!["template"],
            "CronJob" => o["spec"]!["jobTemplate"]!["spec"]!["template"],
            _ => null,
        };
        if (template is not null)
        {
            yield return ((string)template["metadata"]!["labels"]!["app.kubernetes.io/component"]!, template["spec"]!);
        }
    }

    private static IEnumerable<JsonNode> Containers(JsonNode spec) =>
        (spec["initContainers"]?.AsArray() ?? []).Concat(spec["containers"]!.AsArray()).Select(c => c!);

    private static Dictionary<string, string?> Env(JsonNode container) =>
        container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex Dns1123();

    [GeneratedRegex(@"fail \(?(?:printf )?""((?:[^""\\]|\\.)*)""")]
    private static partial Regex FailMessage();
}
