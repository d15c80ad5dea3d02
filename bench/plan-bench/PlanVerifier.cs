using HeavySync.State;
using Npgsql;

namespace HeavySync.Bench.Plan;

/// <summary>
/// Holds what the database planned against <see cref="PlanExpectation"/>, row by row: the run's
/// tasks and the job's ledger, both read in key order and merged with the expectation as streams
/// (bounded memory, so checking does not inflate the peak RSS being measured).
/// </summary>
internal sealed class PlanVerifier(NpgsqlDataSource database, PlanExpectation expected)
{
    private const int MaxReported = 5;

    /// <summary>Differences between the run's tasks and the expected ones (empty when they agree).</summary>
    public async Task<List<string>> CheckTasksAsync(long runId, bool ledgerKnown, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT key, action, size, src_fp FROM tasks WHERE run_id = $1 ORDER BY key COLLATE \"C\", action");
        command.Parameters.AddWithValue(runId);
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var problems = new List<string>();
        long compared = 0;
        using var want = expected.Tasks(ledgerKnown).GetEnumerator();
        while (await reader.ReadAsync(cancellationToken))
        {
            var got = new ExpectedTask(
                reader.GetString(0), (TaskAction)reader.GetInt16(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3));
            if (!want.MoveNext())
            {
                Note(problems, $"unexpected task {got}");
                continue;
            }

            compared++;
            if (got != want.Current)
            {
                Note(problems, $"task {compared}: planned {got}, expected {want.Current}");
            }
        }

        while (want.MoveNext())
        {
            Note(problems, $"missing task {want.Current}");
        }

        return problems;
    }

    /// <summary>Differences between the job's ledger and the expected pairs (empty when they agree).</summary>
    public async Task<List<string>> CheckLedgerAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT key, src_fp, dst_fp FROM ledger WHERE job_id = $1 ORDER BY key COLLATE \"C\"");
        command.Parameters.AddWithValue(jobId);
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var problems = new List<string>();
        using var want = expected.Ledger().GetEnumerator();
        while (await reader.ReadAsync(cancellationToken))
        {
            var got = new ExpectedLedgerRow(reader.GetString(0), reader.GetString(1), reader.GetString(2));
            if (!want.MoveNext())
            {
                Note(problems, $"unexpected ledger row {got}");
            }
            else if (got != want.Current)
            {
                Note(problems, $"ledger: {got}, expected {want.Current}");
            }
        }

        while (want.MoveNext())
        {
            Note(problems, $"missing ledger row {want.Current}");
        }

        return problems;
    }

    /// <summary>Keeps the first few problems verbatim and counts the rest.</summary>
    private static void Note(List<string> problems, string problem)
    {
        if (problems.Count < MaxReported)
        {
            problems.Add(problem);
        }
        else if (problems.Count == MaxReported)
        {
            problems.Add("(more differences not shown)");
        }
    }
}
