using HeavySync.Cli;
using HeavySync.Cli.Configuration;

namespace HeavySync.Tests.Deploy;

public sealed class EnvironmentNamesTests
{
    [Fact]
    public void All_RealCommandTree_HasTheBoundSettingsTwins()
    {
        var names = EnvironmentNames.All(HeavySyncCli.CreateRoot());

        foreach (var name in new[]
                 {
                     "HEAVYSYNC_STATE", "HEAVYSYNC_QUEUE", "HEAVYSYNC_QUEUE_ENDPOINT", "HEAVYSYNC_QUEUE_REGION", "HEAVYSYNC_CONCURRENCY",
                     "HEAVYSYNC_DRAIN_TIMEOUT", "HEAVYSYNC_IDLE_EXIT", "HEAVYSYNC_HEALTH_PORT", "HEAVYSYNC_HEALTH_ADDRESS",
                     "HEAVYSYNC_SRC_ENDPOINT", "HEAVYSYNC_DST_PROFILE", "HEAVYSYNC_MAX_DELETE", "HEAVYSYNC_INCLUDE",
                     "HEAVYSYNC_PROGRESS_INTERVAL", "HEAVYSYNC_CONFIG", "AWS_REGION", "OTEL_EXPORTER_OTLP_ENDPOINT",
                 })
        {
            Assert.Contains(name, names);
        }
    }

    [Fact]
    public void All_OptionsThatAreNotSettings_HaveNoTwin()
    {
        var names = EnvironmentNames.All(HeavySyncCli.CreateRoot());

        // --job, --file, --quiet and --verbose are per-invocation flags, not settings.
        Assert.DoesNotContain("HEAVYSYNC_JOB", names);
        Assert.DoesNotContain("HEAVYSYNC_FILE", names);
        Assert.DoesNotContain("HEAVYSYNC_QUIET", names);
        Assert.DoesNotContain("HEAVYSYNC_VERBOSE", names);
    }

    [Fact]
    public void SettingsKeys_CopierCommand_IncludesItsOwnAndTheSharedKeys()
    {
        var copier = HeavySyncCli.CreateRoot().Subcommands.Single(c => c.Name == "copier");

        var keys = EnvironmentNames.SettingsKeys(copier).ToHashSet();

        Assert.Superset(new HashSet<string> { "state", "queue", "concurrency", "drain_timeout", "health_port", "health_address", "src_endpoint" }, keys);
        Assert.DoesNotContain("max_delete", keys);
    }
}
