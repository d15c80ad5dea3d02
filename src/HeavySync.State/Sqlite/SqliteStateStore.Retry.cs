using Dapper;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    public Task<int> RetryFailedAsync(long runId, CancellationToken cancellationToken) =>
        InTransactionAsync((c, t) =>
        {
            var run = ReadRun(c, t, runId);
            var reset = c.Execute(
                "UPDATE tasks SET status = @pending, attempts = 0, error = NULL, updated_at = @now WHERE run_id = @runId AND status = @failed",
                new { runId, pending = (long)WorkTaskStatus.Pending, failed = (long)WorkTaskStatus.Failed, now = Now() },
                t);

            // The one backwards move of a run: its reset tasks need copiers again, and a finalizer after them.
            if (reset > 0 && run.Phase is RunPhase.Finalizing or RunPhase.Done)
            {
                c.Execute(
                    "UPDATE runs SET phase = @copying, finished_at = NULL, report = NULL WHERE id = @runId",
                    new { runId, copying = (long)RunPhase.Copying },
                    t);
            }

            return reset;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListUnfinishedRunsAsync(CancellationToken cancellationToken) =>
        UseAsync<IReadOnlyList<RunRecord>>(c => c.Query<RunRow>(
            $"SELECT {SqliteRows.RunColumns} FROM runs WHERE phase IN @open ORDER BY id",
            new { open = new[] { (long)RunPhase.Listing, (long)RunPhase.Copying, (long)RunPhase.Finalizing } })
            .Select(r => r.ToRecord()).ToList(), cancellationToken);
}
