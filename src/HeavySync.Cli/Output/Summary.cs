using System.Globalization;
using System.Text;
using HeavySync.Engine;
using HeavySync.State.Postgres;

namespace HeavySync.Cli.Output;

/// <summary>The final summary of a sync, on stdout.</summary>
internal static class Summary
{
    public static void Print(SyncResult result, SyncProgress progress, RequestCounter requests, RequestCounter queueRequests, TimeSpan elapsed, string statePath)
    {
        var output = Console.Out;
        foreach (var line in result.Report)
        {
            output.WriteLine(line);
        }

        if (result.FailedTasks.Count > 0)
        {
            output.WriteLine("failed:");
            foreach (var task in result.FailedTasks)
            {
                output.WriteLine($"  {task.Key}: {task.Error}");
            }
        }

        if (result.Plan is not null && result.Counters is not null)
        {
            var seconds = Math.Max(0.001, elapsed.TotalSeconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"elapsed {Format.Duration(elapsed)}: {progress.Copied / seconds:N0} objects/s, {Format.Bytes(progress.CopiedBytes / seconds)}/s"));
        }

        PrintRequests(requests);
        PrintQueueRequests(queueRequests);
        output.WriteLine($"state: {(PostgresConnectionString.IsPostgres(statePath) ? PostgresConnectionString.Redact(statePath) : statePath)}");
        output.WriteLine(result.Outcome == SyncOutcome.InSync ? result.Message : "heavysync: " + result.Message);
    }

    /// <summary>Store requests by operation (the cost of the work), when there were any.</summary>
    public static void PrintRequests(RequestCounter requests) => PrintRequests(requests, "requests");

    /// <summary>Work-queue requests by operation, when there were any: <c>queue requests: receive 3, ack 2</c>.</summary>
    public static void PrintQueueRequests(RequestCounter requests) => PrintRequests(requests, "queue requests");

    private static void PrintRequests(RequestCounter requests, string label)
    {
        var byOperation = requests.ByOperation();
        if (byOperation.Count == 0)
        {
            return;
        }

        var line = new StringBuilder(label).Append(": ");
        for (var i = 0; i < byOperation.Count; i++)
        {
            line.Append(i == 0 ? string.Empty : ", ").Append(byOperation[i].Operation).Append(' ').Append(byOperation[i].Count.ToString(CultureInfo.InvariantCulture));
        }

        if (requests.Throttled > 0)
        {
            line.Append(" (").Append(requests.Throttled.ToString(CultureInfo.InvariantCulture)).Append(" throttled)");
        }

        Console.Out.WriteLine(line.ToString());
    }
}
