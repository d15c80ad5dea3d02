using HeavySync.Queue;
using Npgsql;

namespace HeavySync.State.Postgres.Queue;

public sealed partial class PostgresWorkQueue
{
    // Every lease operation matches (id, lease_token): after a redelivery the row carries a new token,
    // so an ack, release or extension from the earlier delivery matches nothing.
    private const string AckSql = "DELETE FROM queue_messages WHERE id = @id AND lease_token = @token";

    private const string ReleaseSql = $"""
        WITH released AS (
            UPDATE queue_messages SET visible_at = clock_timestamp() + @delay, lease_token = NULL
            WHERE id = @id AND lease_token = @token AND NOT dead
            RETURNING queue)
        SELECT pg_notify('{Channel}', queue) FROM released WHERE @delay <= interval '0'
        """;

    private const string ExtendSql =
        "UPDATE queue_messages SET visible_at = clock_timestamp() + @extension WHERE id = @id AND lease_token = @token AND NOT dead";

    private const string DepthSql = "SELECT COUNT(*) FROM queue_messages WHERE queue = @queue AND NOT dead";

    /// <inheritdoc />
    public Task AckAsync(ReceivedMessage message, CancellationToken cancellationToken) =>
        OnLeaseAsync(AckSql, message, null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>A release without delay notifies waiting receivers, so the message goes out again at once.</remarks>
    public Task ReleaseAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return OnLeaseAsync(ReleaseSql, message, new NpgsqlParameter<TimeSpan>("delay", delay), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The lease then ends <paramref name="extension"/> from now.</remarks>
    public Task ExtendLeaseAsync(ReceivedMessage message, TimeSpan extension, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(extension, TimeSpan.Zero);
        return OnLeaseAsync(ExtendSql, message, new NpgsqlParameter<TimeSpan>("extension", extension), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Exact: live rows of this queue, waiting or leased; dead rows excluded. <see cref="PendingQuery"/> is the same count.</remarks>
    public Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken) =>
        RunAsync(
            DepthSql,
            p => p.Add(new NpgsqlParameter<string>("queue", _options.QueueName)),
            async c => (long)(await c.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!,
            cancellationToken);

    private Task OnLeaseAsync(string sql, ReceivedMessage message, NpgsqlParameter? extra, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!TryParseToken(message.LeaseToken, out var id, out var token))
        {
            return Task.CompletedTask; // not a token of this queue: like an expired one, harmless
        }

        return RunAsync(
            sql,
            p =>
            {
                p.Add(new NpgsqlParameter<long>("id", id));
                p.Add(new NpgsqlParameter<Guid>("token", token));
                if (extra is not null)
                {
                    p.Add(extra);
                }
            },
            c => c.ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);
    }
}
