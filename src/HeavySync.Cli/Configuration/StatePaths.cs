using System.Security.Cryptography;
using System.Text;

namespace HeavySync.Cli.Configuration;

/// <summary>Where state files live when <c>--state</c> is not given.</summary>
internal static class StatePaths
{
    /// <summary>
    /// The per-user state directory: <c>state_dir</c> setting, else <c>$XDG_STATE_HOME/heavysync</c>,
    /// else <c>~/.local/state/heavysync</c>.
    /// </summary>
    public static string Directory(CliSettings settings) =>
        settings.GetString("state_dir")
        ?? (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? Path.Combine(xdg, "heavysync")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "heavysync"));

    /// <summary>The state file of a (source, destination) pair: re-running the same command finds it again.</summary>
    public static string ForPair(CliSettings settings, string source, string destination)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(source + "\n" + destination));
        return Path.Combine(Directory(settings), "job-" + Convert.ToHexStringLower(hash)[..16] + ".db");
    }
}
