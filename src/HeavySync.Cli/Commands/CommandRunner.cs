using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Cli.Commands;

/// <summary>Runs a command body under the CLI's error policy: every failure is one line on stderr and an exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // First Ctrl-C: stop cleanly (work done so far is kept). Second: the default hard stop.
            if (!interrupt.IsCancellationRequested)
            {
                e.Cancel = true;
                interrupt.Cancel();
            }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await body(interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            return Fail(ExitCodes.Interrupted, "interrupted; run the same command again to resume");
        }
        catch (UsageException ex)
        {
            return Fail(ExitCodes.Usage, ex.Message);
        }
        catch (FormatException ex)
        {
            return Fail(ExitCodes.Usage, ex.Message);
        }
        catch (StateStoreException ex) when (ex.IsFatal)
        {
            // DESIGN.md §6: a schema newer than this build is Fatal, like a missing bucket.
            return Fail(ExitCodes.Fatal, ex.Message);
        }
        catch (StateStoreException ex)
        {
            return Fail(ExitCodes.Usage, ex.Message);
        }
        catch (StoreException ex)
        {
            return Fail(ExitCodes.Fatal, ex.Message);
        }
        catch (IOException ex)
        {
            return Fail(ExitCodes.Fatal, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(ExitCodes.Fatal, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A defect, not a user error: still one line, and the state file stays resumable.
            return Fail(ExitCodes.Fatal, $"internal error ({ex.GetType().Name}): {ex.Message}; run again with -vv and report it");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine("heavysync: " + OneLine(message));
        return code;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>A usage or configuration error (exit 2), with a one-line message.</summary>
internal sealed class UsageException(string message) : Exception(message);
