using HeavySync.Cli.Commands;
using HeavySync.Cli.Telemetry;
using OpenTelemetry.Exporter;

namespace HeavySync.Tests.Cli;

/// <summary>How the CLI reads the OpenTelemetry environment: endpoints per signal, protocols, resource.</summary>
[Collection(HeavySync.Tests.Telemetry.TelemetryCollection.Name)]
public sealed class TelemetrySettingsTests
{
    [Fact]
    public void FromEnvironment_NothingSet_ExportsNothing()
    {
        var settings = OtlpSettings.FromEnvironment(Env());

        Assert.False(settings.Any);
        Assert.Same(TelemetryHost.Disabled, TelemetryHost.Start("sync", null, null, Env()));
    }

    [Fact]
    public void FromEnvironment_SharedHttpEndpoint_AddsEachSignalsPath()
    {
        var settings = OtlpSettings.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base/")));

        Assert.Equal(new OtlpTarget(new Uri("http://collector:4318/base/v1/traces"), OtlpExportProtocol.HttpProtobuf), settings.Traces);
        Assert.Equal(new Uri("http://collector:4318/base/v1/metrics"), settings.Metrics!.Endpoint);
        Assert.Equal(new Uri("http://collector:4318/base/v1/logs"), settings.Logs!.Endpoint);
    }

    [Fact]
    public void FromEnvironment_Grpc_UsesTheEndpointAsGiven()
    {
        var settings = OtlpSettings.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));

        Assert.Equal(new OtlpTarget(new Uri("http://collector:4317"), OtlpExportProtocol.Grpc), settings.Traces);
        Assert.Equal(OtlpExportProtocol.Grpc, settings.Metrics!.Protocol);
    }

    [Fact]
    public void FromEnvironment_SignalSpecificVariables_WinAndStandAlone()
    {
        var settings = OtlpSettings.FromEnvironment(Env(
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example/custom"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")));

        Assert.Equal(new OtlpTarget(new Uri("https://traces.example/custom"), OtlpExportProtocol.Grpc), settings.Traces);
        Assert.Null(settings.Metrics);
        Assert.Null(settings.Logs);
        Assert.True(settings.Any);
    }

    [Fact]
    public void FromEnvironment_ExporterNoneOrSdkDisabled_TurnsSignalsOff()
    {
        var some = OtlpSettings.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_LOGS_EXPORTER", "none")));
        var none = OtlpSettings.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_SDK_DISABLED", "true")));

        Assert.NotNull(some.Traces);
        Assert.Null(some.Logs);
        Assert.False(none.Any);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector")]
    public void FromEnvironment_Malformed_IsAUsageError(string name, string value)
    {
        var environment = Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), (name, value));

        var error = Assert.Throws<UsageException>(() => OtlpSettings.FromEnvironment(environment));

        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void Resource_RoleJobRun_NamesTheServiceAndCarriesThem()
    {
        var resource = Attributes(TelemetryResource.Create("copier", "nightly", 12, Env()));

        Assert.Equal("heavysync-copier", resource["service.name"]);
        Assert.Equal("copier", resource["heavysync.role"]);
        Assert.Equal("nightly", resource["heavysync.job"]);
        Assert.Equal(12L, resource["heavysync.run"]);
        Assert.True(resource.ContainsKey("service.instance.id"));
        Assert.True(resource.ContainsKey("telemetry.sdk.name"));
    }

    [Fact]
    public void Resource_OtelVariables_OverrideOurs()
    {
        var named = Attributes(TelemetryResource.Create("sync", null, null, Env(
            ("OTEL_SERVICE_NAME", "mine"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod, heavysync.role=custom,team=a%2Cb,broken"))));
        var attributed = Attributes(TelemetryResource.Create("sync", null, null, Env(("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attributes"))));

        Assert.Equal("mine", named["service.name"]);
        Assert.Equal("prod", named["deployment.environment"]);
        Assert.Equal("custom", named["heavysync.role"]);
        Assert.Equal("a,b", named["team"]);
        Assert.False(named.ContainsKey("broken"));
        Assert.Equal("from-attributes", attributed["service.name"]);
    }

    [Fact]
    public void Start_EndpointSet_EnabledAndDisposesTwiceSafely()
    {
        var host = TelemetryHost.Start("sync", null, null, Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"), ("OTEL_METRICS_EXPORTER", "none"), ("OTEL_LOGS_EXPORTER", "none")));

        Assert.True(host.IsEnabled);
        Assert.True(HeavySync.Telemetry.HeavySyncTelemetry.Source.HasListeners());
        host.Dispose();
        host.Dispose();
    }

    private static Dictionary<string, object> Attributes(OpenTelemetry.Resources.ResourceBuilder builder) =>
        builder.Build().Attributes.ToDictionary(a => a.Key, a => a.Value);

    private static Func<string, string?> Env(params (string Name, string Value)[] values)
    {
        // Later values win, as a later export in a shell would.
        var map = new Dictionary<string, string>();
        foreach (var (name, value) in values)
        {
            map[name] = value;
        }

        return name => map.GetValueOrDefault(name);
    }
}
