using HeavySync.Queue;
using Npgsql;
using NpgsqlTypes;

namespace HeavySync.State.Postgres.Queue;

public sealed partial class PostgresWorkQueue
{
    // Every lease operation matches (id, lease_token): after a redelivery the row carries a new token,
    // so an ack, release or extension from the earlier delivery matches nothing. One statement serves
    // any number of messages: the leases arrive as two parallel arrays.
    private const string AckSql = """
        DELETE FROM queue_messages m
        USING unnest(@ids, @tokens) AS l (id, token)
        WHERE m.id = l.id AND m.lease_token = l.token
        """;

    private const string ReleaseSql = $"""
        WITH released AS (
            UPDATE queue_messages m SET visible_at = clock_timestamp() + @delay, lease_token = NULL
            FROM unnest(@ids, @tokens) AS l (id, token)
            WHERE m.id = l.id AND m.lease_token = l.token AND NOT m.dead
            RETURNING m.queue)
        SELECT pg_notify('{Channel}', queue) FROM (SELECT DISTINCT queue FROM released) q WHERE @delay <= interval '0'
        """;

    private const string ExtendSql = """
        UPDATE queue_messages m SET visible_at = clock_timestamp() + @extension
        FROM unnest(@ids, @tokens) AS l (id, token)
        WHERE m.id = l.id AND m.lease_token = l.token AND NOT m.dead
        """;

    private const string DepthSql = "SELECT COUNT(*) FROM queue_messages WHERE queue = @queue AND NOT dead";

    /// <inheritdoc />
    public Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken) =>
        AckBatchAsync([message], cancellationToken);

    /// <inheritdoc />
    /// <remarks>A release without delay notifies waiting receivers, so the message goes out again at once.</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
        ReleaseBatchAsync([message], delay, cancellationToken);

    /// <inheritdoc />
    /// <remarks>The lease then ends <paramref name="extension"/> from now.</remarks>
    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken) =>
        ExtendLeasesAsync([message], extension, cancellationToken);

    /// <inheritdoc />
    /// <remarks>One statement for all of them.</remarks>
    public Task AckBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken) =>
        OnLeasesAsync("ack", AckSql, messages, null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>One statement for all of them; without delay it notifies waiting receivers.</remarks>
    public Task ReleaseBatchAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return OnLeasesAsync("release", ReleaseSql, messages, new NpgsqlParameter<TimeSpan>("delay", delay), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One statement for all of them.</remarks>
    public Task ExtendLeasesAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        return OnLeasesAsync("extend", ExtendSql, messages, new NpgsqlParameter<TimeSpan>("extension", extension), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Exact: live rows of this queue, waiting or leased; dead rows excluded. <see cref="PendingQuery"/> is the same count.</remarks>
    public Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken) =>
        RunAsync(
            "depth",
            DepthSql,
            p => p.Add(new NpgsqlParameter<string>("queue", _options.QueueName)),
            async c => (long)(await c.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!,
            cancellationToken);

    private Task OnLeasesAsync(string operation, string sql, IReadOnlyList<ReceivedMessage> messages, NpgsqlParameter? extra, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var ids = new List<long>(messages.Count);
        var tokens = new List<Guid>(messages.Count);
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message);

            // A token of another queue is like an expired one: harmless, nothing to send for it.
            if (TryParseToken(message.LeaseToken, out var id, out var token))
            {
                ids.Add(id);
                tokens.Add(token);
            }
        }

        if (ids.Count == 0)
        {
            return Task.CompletedTask;
        }

        return RunAsync(
            operation,
            sql,
            p =>
            {
                p.Add(Array("ids", NpgsqlDbType.Bigint, ids.ToArray()));
                p.Add(Array("tokens", NpgsqlDbType.Uuid, tokens.ToArray()));
                if (extra is not null)
                {
                    p.Add(extra);
                }
            },
            c => c.ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);
    }
}
