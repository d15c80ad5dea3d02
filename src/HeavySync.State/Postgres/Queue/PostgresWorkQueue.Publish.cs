using HeavySync.Queue;
using Npgsql;
using NpgsqlTypes;

namespace HeavySync.State.Postgres.Queue;

public sealed partial class PostgresWorkQueue
{
    // One statement per batch: the rows arrive as parallel arrays, and the notification (delivered at
    // commit, once per transaction however many rows) wakes every waiting receiver of this queue.
    private const string PublishSql = $"""
        WITH inserted AS (
            INSERT INTO queue_messages (queue, job_id, run_id, body, traceparent, task_count)
            SELECT @queue, m.job_id, m.run_id, m.body, m.traceparent, m.task_count
            FROM unnest(@jobs, @runs, @bodies, @traces, @counts) AS m (job_id, run_id, body, traceparent, task_count)
            RETURNING 1)
        SELECT pg_notify('{Channel}', @queue) WHERE EXISTS (SELECT 1 FROM inserted)
        """;

    /// <inheritdoc />
    /// <remarks>All messages in one statement and one round trip; never waits for room (the table is the bound).</remarks>
    public Task PublishAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (message.Tasks is null)
            {
                throw new ArgumentException("a work message needs a task list", nameof(messages));
            }
        }

        return RunAsync(
            "publish",
            PublishSql,
            p =>
            {
                p.Add(new NpgsqlParameter<string>("queue", _options.QueueName));
                p.Add(Array("jobs", NpgsqlDbType.Bigint, messages.Select(m => m.JobId).ToArray()));
                p.Add(Array("runs", NpgsqlDbType.Bigint, messages.Select(m => m.RunId).ToArray()));
                p.Add(Array("bodies", NpgsqlDbType.Text, messages.Select(WorkMessageCodec.EncodeString).ToArray()));
                p.Add(Array("traces", NpgsqlDbType.Text, messages.Select(m => m.TraceParent).ToArray()));
                p.Add(Array("counts", NpgsqlDbType.Integer, messages.Select(m => m.Tasks.Count).ToArray()));
            },
            c => c.ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);
    }
}
