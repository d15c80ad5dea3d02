using System.CommandLine;
using HeavySync.Cli.Commands;

namespace HeavySync.Cli;

/// <summary>The command tree and its error policy: one line and an exit code, never a stack trace.</summary>
public static class HeavySyncCli
{
    /// <summary>Parses and runs.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"heavysync: {parsed.Errors[0].Message}");
            await Console.Error.WriteLineAsync($"Run '{HelpHint(parsed)}' for usage.");
            return ExitCodes.Usage;
        }

        // ProcessTerminationTimeout null: System.CommandLine's own SIGTERM handling would cancel every
        // command and return after 2 s, cutting a copier's drain (25 s by default) short and racing
        // the copier's own handler into an abort. Ctrl-C is CommandRunner's; SIGTERM the copier's.
        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    /// <summary>Parses a command line against the real command tree without running it (tests check deployment files with it).</summary>
    internal static ParseResult Parse(IReadOnlyList<string> args) => CreateRoot().Parse(args);

    /// <summary>The command tree: every command, option and settings binding.</summary>
    internal static RootCommand CreateRoot()
    {
        return new RootCommand(
            "HeavySync makes a destination bucket or directory match a source — S3, GCS or local files — " +
            "for millions to billions of objects, resuming where it stopped after crashes and restarts.\n\n" +
            "Exit codes: 0 in sync; 1 finished with failed objects; 2 usage or configuration error; " +
            "3 refused for safety (delete cap, empty source); 4 fatal store error (missing bucket, bad credentials); 130 interrupted.")
        {
            SyncCommand.Create(),
            CheckCommand.Create(),
            StatusCommand.Create(),
            JobCommand.Create(),
            ListerCommand.Create(),
            CopierCommand.Create(),
            FinalizerCommand.Create(),
            RetryFailedCommand.Create(),
            DbCommand.Create(),
        };
    }

    private static string HelpHint(ParseResult parsed)
    {
        var name = parsed.CommandResult.Command is RootCommand ? string.Empty : " " + parsed.CommandResult.Command.Name;
        return $"heavysync{name} --help";
    }
}
