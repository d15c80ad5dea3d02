using HeavySync.Google.PubSub;

namespace HeavySync.Tests.Google;

/// <summary>Where a Pub/Sub queue connects. Reads the process environment, so it runs alone.</summary>
[Collection(HeavySync.Tests.Telemetry.TelemetryCollection.Name)]
public sealed class PubSubQueueOptionsTests
{
    [Fact]
    public void Defaults_PubSubEmulatorHostSet_PlainHttpToItAndNoMonitoring()
    {
        var saved = Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_HOST");
        try
        {
            Environment.SetEnvironmentVariable("PUBSUB_EMULATOR_HOST", "127.0.0.1:8681");
            var options = new PubSubQueueOptions();

            Assert.True(options.UsesEmulator);
            Assert.Equal(new Uri("http://127.0.0.1:8681/"), options.ResolvedEndpoint);
            Assert.Null(options.ResolvedMonitoringEndpoint);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PUBSUB_EMULATOR_HOST", saved);
        }
    }

    [Fact]
    public void Defaults_NoEmulator_GoogleEndpointsWithCredentials()
    {
        var options = new PubSubQueueOptions { EmulatorHost = null };

        Assert.False(options.UsesEmulator);
        Assert.Equal(new Uri("https://pubsub.googleapis.com/"), options.ResolvedEndpoint);
        Assert.Equal(new Uri("https://monitoring.googleapis.com/"), options.ResolvedMonitoringEndpoint);
    }

    [Fact]
    public void Endpoint_PerQueue_OverridesGooglesButNotAnEmulator()
    {
        var custom = new PubSubQueueOptions { EmulatorHost = null, Endpoint = new Uri("https://pubsub.private.example/") };
        var emulated = custom with { EmulatorHost = "127.0.0.1:1" };

        Assert.Equal(new Uri("https://pubsub.private.example/"), custom.ResolvedEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:1/"), emulated.ResolvedEndpoint);
    }
}
