using Dapper;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long runId, TaskAction action, WorkTaskStatus status, long afterId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return UseAsync<IReadOnlyList<TaskRecord>>(c => c.Query<TaskRow>(
            $"SELECT {SqliteRows.TaskColumns} FROM tasks " +
            "WHERE run_id = @runId AND action = @action AND status = @status AND id > @afterId ORDER BY id LIMIT @limit",
            new { runId, action = (long)action, status = (long)status, afterId, limit }).Select(r => r.ToRecord()).ToList(), cancellationToken);
    }

    /// <inheritdoc />
    public Task CompleteTasksAsync(long runId, IReadOnlyList<TaskOutcome> outcomes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var outcome in outcomes)
        {
            if (outcome.Status == WorkTaskStatus.Pending)
            {
                throw new ArgumentException($"task {outcome.TaskId}: an outcome cannot be Pending", nameof(outcomes));
            }
        }

        return InTransactionAsync((c, t) =>
        {
            var jobId = ReadRun(c, t, runId).JobId;
            using var statements = new OutcomeStatements(c, t, jobId, runId, Now());
            foreach (var outcome in outcomes)
            {
                statements.Apply(outcome);
            }

            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlySet<long>> FilterPendingAsync(long runId, IReadOnlyList<long> taskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        if (taskIds.Count == 0)
        {
            return Task.FromResult<IReadOnlySet<long>>(new HashSet<long>());
        }

        // Messages carry at most a few hundred tasks, well under SQLite's 32,766 parameters. The unary
        // '+' keeps the planner on primary-key lookups: left to itself it walks the whole run's
        // range of the (run_id, ...) index, once per message.
        return UseAsync<IReadOnlySet<long>>(c => c.Query<long>(
            "SELECT id FROM tasks WHERE id IN @taskIds AND +run_id = @runId AND +status = 0",
            new { runId, taskIds }).ToHashSet(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<RunCounters> GetCountersAsync(long runId, CancellationToken cancellationToken) =>
        UseAsync(c =>
        {
            var counters = new RunCounters();
            foreach (var row in c.Query<CounterRow>(
                "SELECT action AS Action, status AS Status, COUNT(*) AS Count, COALESCE(SUM(size), 0) AS Bytes " +
                "FROM tasks WHERE run_id = @runId GROUP BY action, status",
                new { runId }))
            {
                counters = ((TaskAction)row.Action, (WorkTaskStatus)row.Status) switch
                {
                    (TaskAction.Copy, WorkTaskStatus.Pending) => counters with { CopyPending = row.Count },
                    (TaskAction.Copy, WorkTaskStatus.Done) => counters with { CopyDone = row.Count, CopyDoneBytes = row.Bytes },
                    (TaskAction.Copy, WorkTaskStatus.Vanished) => counters with { CopyVanished = row.Count },
                    (TaskAction.Copy, WorkTaskStatus.Failed) => counters with { CopyFailed = row.Count },
                    (TaskAction.Delete, WorkTaskStatus.Pending) => counters with { DeletePending = row.Count },

                    // A delete target already gone is as good as deleted.
                    (TaskAction.Delete, WorkTaskStatus.Done or WorkTaskStatus.Vanished) => counters with { DeleteDone = counters.DeleteDone + row.Count },
                    (TaskAction.Delete, WorkTaskStatus.Failed) => counters with { DeleteFailed = row.Count },
                    _ => counters,
                };
            }

            return counters;
        }, cancellationToken);

    internal sealed class CounterRow
    {
        public long Action { get; set; }
        public long Status { get; set; }
        public long Count { get; set; }
        public long Bytes { get; set; }
    }
}
