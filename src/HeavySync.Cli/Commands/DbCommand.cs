using System.CommandLine;
using HeavySync.Cli.Hosting;
using HeavySync.State;
using HeavySync.State.Postgres;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync db migrate</c>: bring the state schema up to date.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        var migrate = new Command("migrate", "Create or upgrade the state schema (Postgres or SQLite). Safe to run while roles run and " +
            "from several places at once: one migrator at a time. Roles also migrate at start; this command lets you do it first, " +
            "e.g. as a Helm pre-upgrade hook. A schema newer than this heavysync is refused.");
        shared.AddTo(migrate);
        migrate.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var settings = shared.Load(parse);
            var location = ClusterState.Location(settings);
            if (PostgresConnectionString.IsPostgres(location))
            {
                await using var store = PostgresStateStore.Create(location);
                var before = await store.GetSchemaStatusAsync(token);
                if (before.IsTooNew)
                {
                    throw new StateStoreException($"state schema is version {before.Current}, this heavysync knows up to {before.Latest}: upgrade heavysync", fatal: true);
                }

                await store.MigrateAsync(token);
                Console.WriteLine(before.NeedsMigration
                    ? $"state schema migrated from version {before.Current} to {before.Latest} ({PostgresConnectionString.Redact(location)})"
                    : $"state schema is up to date (version {before.Latest}, {PostgresConnectionString.Redact(location)})");
                return ExitCodes.InSync;
            }

            await using var state = await ClusterState.OpenAsync(settings, token);
            Console.WriteLine($"state schema is up to date ({location})");
            return ExitCodes.InSync;
        }, ct));
        return new Command("db", "State database maintenance.") { migrate };
    }
}
