using System.CommandLine;
using HeavySync.Cli.Commands;
using HeavySync.Cli.Hosting;

namespace HeavySync.Cli.Configuration;

/// <summary>
/// The environment variables heavysync reads: the <c>HEAVYSYNC_*</c> twin of every setting bound
/// in the command tree, the settings read only from the environment or config file, and the
/// ecosystems' own variables (DESIGN.md §10). Deployment files (compose, chart) are checked against
/// this, so a renamed setting cannot leave a silently ignored variable behind.
/// </summary>
internal static class EnvironmentNames
{
    /// <summary>Settings with no flag: set in the environment or the config file only.</summary>
    public static IReadOnlyList<string> EnvironmentOnlyKeys { get; } =
    [
        "progress_interval", // seconds between plain progress lines
        "state_dir",         // where 'heavysync sync' keeps one state file per pair
        "listing_batch",     // most manifest rows per saved listing batch (resume point)
        "listing_batch_interval", // longest a listing batch collects before it is saved
    ];

    /// <summary>Variables read directly (not settings keys).</summary>
    public static IReadOnlyList<string> Direct { get; } =
    [
        "HEAVYSYNC_CONFIG",
        DelayInjectingStore.Variable,
    ];

    /// <summary>
    /// Other ecosystems' variables, read by the AWS SDK, Google auth, the emulators' conventions,
    /// the OpenTelemetry SDK and the .NET host — set them and heavysync follows.
    /// </summary>
    public static IReadOnlyList<string> Ecosystem { get; } =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED",
        "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "STORAGE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_METRIC_EXPORT_INTERVAL",
        "XDG_CONFIG_HOME", "XDG_STATE_HOME",
    ];

    /// <summary>The <c>HEAVYSYNC_*</c> name of a settings key (<c>src_endpoint</c> → <c>HEAVYSYNC_SRC_ENDPOINT</c>).</summary>
    public static string ForKey(string key) => "HEAVYSYNC_" + key.ToUpperInvariant();

    /// <summary>Every variable heavysync reads, for the command tree <paramref name="root"/>.</summary>
    public static IReadOnlySet<string> All(Command root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in SettingsKeys(root).Concat(EnvironmentOnlyKeys))
        {
            names.Add(ForKey(key));
        }

        names.UnionWith(Direct);
        names.UnionWith(Ecosystem);
        return names;
    }

    /// <summary>The settings keys bound to options anywhere in <paramref name="command"/>'s tree.</summary>
    public static IEnumerable<string> SettingsKeys(Command command) =>
        command.Options.Select(SharedOptions.KeyOf).OfType<string>()
            .Concat(command.Subcommands.SelectMany(SettingsKeys))
            .Distinct(StringComparer.Ordinal);
}
