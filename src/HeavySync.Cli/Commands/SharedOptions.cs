using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using HeavySync.Cli.Configuration;

namespace HeavySync.Cli.Commands;

/// <summary>
/// Options several commands share, each bound to one settings key (flag, environment and config
/// file alike; see <see cref="CliSettings"/>).
/// </summary>
internal sealed class SharedOptions
{
    private readonly List<(Option Option, string Key)> bound = [];

    /// <summary>Description of <c>--state</c> for commands that need an explicit, shared state (cluster roles).</summary>
    public const string ClusterStateDescription =
        "State: a postgres://user:password@host:port/database URL (cluster), or a SQLite file path shared by processes on one machine. [HEAVYSYNC_STATE]";

    public SharedOptions(bool withState = true, string? stateDescription = null)
    {
        Config = new Option<string?>("--config") { Description = "JSON config file (default: $HEAVYSYNC_CONFIG, else ~/.config/heavysync/config.json when present)." };
        Verbose = new Option<int>("--verbose", "-v") { Description = "More logging: -v for info, -vv for debug.", Arity = ArgumentArity.ZeroOrOne };
        Verbose.CustomParser = r => r.Tokens.Count == 0 ? 1 : int.Parse(r.Tokens[0].Value, CultureInfo.InvariantCulture);
        Bind(new Option<string?>("--log-format") { Description = "Console log format: text (default) or json (one JSON object a line, with the trace and span ids and the job and run of the work being logged; for clusters). [HEAVYSYNC_LOG_FORMAT]" }, "log_format");
        if (withState)
        {
            Bind(new Option<string?>("--state") { Description = stateDescription ?? "State file (SQLite) or postgres:// URL. Default: one file per (SRC, DST) pair in ~/.local/state/heavysync, so re-running resumes. [HEAVYSYNC_STATE]" }, "state");
        }

        foreach (var (side, name) in new[] { ("src", "source"), ("dst", "destination") })
        {
            Bind(new Option<string?>($"--{side}-endpoint") { Description = $"S3-compatible endpoint URL of the {name} (default: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL). [HEAVYSYNC_{side.ToUpperInvariant()}_ENDPOINT]" }, $"{side}_endpoint");
            Bind(new Option<string?>($"--{side}-region") { Description = $"Region of the {name} (default: AWS_REGION, else us-east-1). [HEAVYSYNC_{side.ToUpperInvariant()}_REGION]" }, $"{side}_region");
            Bind(new Option<string?>($"--{side}-profile") { Description = $"Credentials profile of the {name} (default: AWS_PROFILE / the default chain). [HEAVYSYNC_{side.ToUpperInvariant()}_PROFILE]" }, $"{side}_profile");
            Bind(new Option<string?>($"--{side}-path-style") { Description = $"Path-style addressing for the {name}: true/false (default: true when an endpoint is set).", Arity = ArgumentArity.ZeroOrOne }, $"{side}_path_style", implicitValue: "true");
        }
    }

    public Option<string?> Config { get; }

    public Option<int> Verbose { get; }

    /// <summary>Binds an option to a settings key; <paramref name="implicitValue"/> is used for a bare flag.</summary>
    public T Bind<T>(T option, string key, string? implicitValue = null)
        where T : Option
    {
        bound.Add((option, key));
        KeysByOption.AddOrUpdate(option, key);
        implicitValues[option] = implicitValue;
        return option;
    }

    private readonly Dictionary<Option, string?> implicitValues = [];

    // Every bound option of every command tree built in this process, so the settings keys (and
    // their HEAVYSYNC_* environment twins) can be read back from a command tree.
    private static readonly ConditionalWeakTable<Option, string> KeysByOption = [];

    /// <summary>The settings key an option is bound to, or null for an option that is not a setting (e.g. <c>--job</c>).</summary>
    public static string? KeyOf(Option option) => KeysByOption.TryGetValue(option, out var key) ? key : null;

    /// <summary>Adds every shared option to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(Verbose);
        foreach (var (option, _) in bound)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings keys these options bind.</summary>
    public IEnumerable<string> Keys => bound.Select(b => b.Key);

    /// <summary>The settings: the given flags layered over environment and config file.</summary>
    public CliSettings Load(ParseResult parse) => CliSettings.Load(parse.GetValue(Config), Flags(parse));

    /// <summary>The settings given as flags on this command line, by key (lists as <c>key:0</c>, <c>key:1</c>...).</summary>
    public Dictionary<string, string?> Flags(ParseResult parse)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key) in bound)
        {
            var result = parse.GetResult(option);
            if (result is null || result.Implicit)
            {
                continue;
            }

            var tokens = result.Tokens.Select(t => t.Value).ToList();
            if (option.Arity.MaximumNumberOfValues > 1 || option.AllowMultipleArgumentsPerToken)
            {
                for (var i = 0; i < tokens.Count; i++)
                {
                    flags[$"{key}:{i}"] = tokens[i];
                }
            }
            else if (tokens.Count == 0)
            {
                flags[key] = implicitValues.GetValueOrDefault(option) ?? "true";
            }
            else
            {
                flags[key] = tokens[^1];
            }
        }

        return flags;
    }
}
