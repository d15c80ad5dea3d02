using System.CommandLine;
using HeavySync.Cli.Hosting;

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
            await using var state = await ClusterState.OpenAsync(shared.Load(parse), token);
            Console.WriteLine("state schema is up to date");
            return ExitCodes.InSync;
        }, ct));
        return new Command("db", "State database maintenance.") { migrate };
    }
}
