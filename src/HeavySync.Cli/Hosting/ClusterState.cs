using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;
using HeavySync.State;

namespace HeavySync.Cli.Hosting;

/// <summary>The state the cluster commands share: given explicitly, migrated on open.</summary>
internal static class ClusterState
{
    /// <summary>True for a <c>postgres://</c> or <c>postgresql://</c> URL (else a SQLite path).</summary>
    public static bool IsPostgres(string state) =>
        state.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || state.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>state</c> setting, required.</summary>
    public static string Location(CliSettings settings) =>
        settings.GetString("state")
        ?? throw new UsageException("no state given: use --state postgres://user:password@host/db (or a SQLite file path), or set HEAVYSYNC_STATE");

    /// <summary>Opens the state and brings its schema up to date (one migrator at a time; a newer schema is refused).</summary>
    public static Task<IStateStore> OpenAsync(CliSettings settings, CancellationToken cancellationToken) =>
        CliHost.OpenStateAsync(Location(settings), cancellationToken);
}
