using System.CommandLine;
using HeavySync.Cli.Commands;

namespace HeavySync.Cli;

/// <summary>The command tree and its error policy: one line and an exit code, never a stack trace.</summary>
public static class HeavySyncCli
{
    /// <summary>Parses and runs.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand(
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

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"heavysync: {parsed.Errors[0].Message}");
            await Console.Error.WriteLineAsync($"Run '{HelpHint(parsed)}' for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    private static string HelpHint(ParseResult parsed)
    {
        var name = parsed.CommandResult.Command is RootCommand ? string.Empty : " " + parsed.CommandResult.Command.Name;
        return $"heavysync{name} --help";
    }
}
