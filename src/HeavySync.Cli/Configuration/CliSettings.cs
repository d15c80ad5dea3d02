using System.Globalization;
using HeavySync.Cli.Commands;
using Microsoft.Extensions.Configuration;

namespace HeavySync.Cli.Configuration;

/// <summary>
/// One setting, every surface: each setting has one key (e.g. <c>src_endpoint</c>) that the CLI
/// flag (<c>--src-endpoint</c>), the environment (<c>HEAVYSYNC_SRC_ENDPOINT</c>) and the JSON config
/// file (<c>"src_endpoint"</c>) all set. Precedence: flag, then environment, then config file, then
/// the default. The config file is <c>--config</c>, else <c>HEAVYSYNC_CONFIG</c>, else
/// <c>$XDG_CONFIG_HOME/heavysync/config.json</c> when it exists.
/// </summary>
internal sealed class CliSettings
{
    private readonly IConfigurationRoot configuration;
    private readonly string? configFile;
    private readonly IReadOnlyDictionary<string, string?> flags;

    private CliSettings(IConfigurationRoot configuration, string? configFile, IReadOnlyDictionary<string, string?> flags)
    {
        this.configuration = configuration;
        this.configFile = configFile;
        this.flags = flags;
    }

    /// <summary>
    /// These settings with a job's stored settings layered above the environment and config file
    /// (a cluster role serves many jobs: each job's own endpoints and options win for that job),
    /// below the role's own command-line flags.
    /// </summary>
    public CliSettings ForJob(IReadOnlyDictionary<string, string?> jobSettings) => Load(configFile, flags, jobSettings);

    /// <summary>Builds the layered settings; <paramref name="flags"/> holds the flags given on the command line.</summary>
    public static CliSettings Load(string? configFile, IReadOnlyDictionary<string, string?> flags) => Load(configFile, flags, null);

    private static CliSettings Load(string? configFile, IReadOnlyDictionary<string, string?> flags, IReadOnlyDictionary<string, string?>? jobSettings)
    {
        var explicitFile = configFile ?? Environment.GetEnvironmentVariable("HEAVYSYNC_CONFIG");
        var file = explicitFile ?? Path.Combine(ConfigHome(), "heavysync", "config.json");
        if (explicitFile is not null && !File.Exists(explicitFile))
        {
            throw new UsageException($"config file {explicitFile} does not exist");
        }

        var builder = new ConfigurationBuilder();
        if (File.Exists(file))
        {
            builder.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables("HEAVYSYNC_");
        if (jobSettings is not null)
        {
            builder.AddInMemoryCollection(jobSettings);
        }

        builder.AddInMemoryCollection(flags);
        try
        {
            return new CliSettings(builder.Build(), configFile, flags);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new UsageException($"config file {file} is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>A string setting, or null.</summary>
    public string? GetString(string key)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>A boolean setting ("true"/"false"/"1"/"0").</summary>
    public bool GetBool(string key, bool fallback = false)
    {
        var value = GetString(key);
        return value switch
        {
            null => fallback,
            "1" => true,
            "0" => false,
            _ when bool.TryParse(value, out var b) => b,
            _ => throw new UsageException($"setting '{key}' must be true or false, not '{value}'"),
        };
    }

    /// <summary>An integer setting within [min, max].</summary>
    public int GetInt(string key, int fallback, int min, int max)
    {
        var value = GetString(key);
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new UsageException($"setting '{key}' must be a whole number from {min} to {max}, not '{value}'");
        }

        return n;
    }

    /// <summary>
    /// A list setting: repeated flags, <c>HEAVYSYNC_KEY__0</c>, <c>__1</c>... or a JSON array. The
    /// highest-precedence surface that sets the list supplies all of it: two <c>--include</c> flags
    /// replace a config file's five patterns rather than overwriting the first two.
    /// </summary>
    public IReadOnlyList<string> GetList(string key)
    {
        foreach (var provider in configuration.Providers.Reverse())
        {
            var items = new List<string>();
            for (var i = 0; provider.TryGet($"{key}:{i}", out var item); i++)
            {
                if (!string.IsNullOrEmpty(item))
                {
                    items.Add(item);
                }
            }

            if (items.Count == 0 && provider.TryGet(key, out var single) && !string.IsNullOrEmpty(single))
            {
                items.Add(single);
            }

            if (items.Count > 0)
            {
                return items;
            }
        }

        return [];
    }

    private static string ConfigHome() =>
        Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
}
