using System.Globalization;
using HeavySync.Queue;
using Npgsql;

namespace HeavySync.State.Postgres.Queue;

public sealed partial class PostgresWorkQueue
{
    // Lease up to @max ready rows in one statement. SKIP LOCKED: rows another consumer is leasing
    // right now are passed over, never waited for. A row past MaxDeliveries (@maxDeliveries > 0) is
    // marked dead instead of delivered. SET expressions see the row as it was before the update.
    // When nothing was leased, one extra row tells in how many seconds the next live row becomes
    // visible (a lease ending, a delayed release), so a waiting receiver looks again right then
    // instead of polling; the partial index answers it from its first entry.
    private const string ReceiveSql = """
        WITH picked AS (
            SELECT id FROM queue_messages
            WHERE queue = @queue AND NOT dead AND visible_at <= clock_timestamp()
            ORDER BY visible_at, id
            LIMIT @max
            FOR UPDATE SKIP LOCKED),
        leased AS (
            UPDATE queue_messages m SET
                dead = (@maxDeliveries > 0 AND m.delivery_count >= @maxDeliveries),
                dead_at = CASE WHEN @maxDeliveries > 0 AND m.delivery_count >= @maxDeliveries THEN clock_timestamp() END,
                delivery_count = m.delivery_count + CASE WHEN @maxDeliveries > 0 AND m.delivery_count >= @maxDeliveries THEN 0 ELSE 1 END,
                lease_token = gen_random_uuid(),
                visible_at = clock_timestamp() + @lease
            FROM picked
            WHERE m.id = picked.id
            RETURNING m.id, m.lease_token, m.delivery_count, m.body, m.dead)
        SELECT id, lease_token, delivery_count, body, dead, NULL::double precision AS due_in FROM leased
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL,
            EXTRACT(EPOCH FROM (SELECT min(visible_at) FROM queue_messages WHERE queue = @queue AND NOT dead) - clock_timestamp())::double precision
        WHERE NOT EXISTS (SELECT 1 FROM leased)
        """;

    private const string BuryUnreadableSql =
        "UPDATE queue_messages SET dead = true, dead_at = clock_timestamp() WHERE id = @id";

    /// <summary>Shortest pause before looking again at a row that is due but was locked by another receiver.</summary>
    private static readonly TimeSpan MinimumNap = TimeSpan.FromMilliseconds(50);

    /// <inheritdoc />
    /// <remarks>
    /// One statement per look; between looks the receiver sleeps until a notification, the next
    /// row's visibility or <see cref="PostgresQueueOptions.PollInterval"/>. A message whose body this
    /// build cannot read (malformed, or a newer version) is marked dead rather than delivered:
    /// redelivering it could never succeed. The leasing statement itself is never cancelled half-way
    /// (its rows could be leased to an answer nobody reads): when cancellation comes while it runs,
    /// what it leased is released at once and the call then throws.
    /// </remarks>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "must be zero or more, or infinite");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Take the signal before looking, so a publish between the look and the wait is not missed.
            var published = ListenAndGetSignal();
            var (batch, buried, dueIn) = await TryReceiveAsync(maxMessages).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                if (batch.Count > 0)
                {
                    await ReleaseBatchAsync(batch, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            if (batch.Count > 0)
            {
                return batch;
            }

            if (buried)
            {
                continue;
            }

            var remaining = wait == Timeout.InfiniteTimeSpan ? _options.PollInterval : wait - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            var nap = dueIn is { } due ? Clamp(due, MinimumNap, _options.PollInterval) : _options.PollInterval;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(remaining < nap ? remaining : nap, stop.Token);
            await Task.WhenAny(published, timer).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min ? min : value > max ? max : value;

    /// <summary>
    /// One look, not cancellable (see <see cref="ReceiveAsync"/>): the leased messages, whether rows
    /// were buried (look again at once), and when nothing was leased, how soon the next row is due.
    /// </summary>
    private Task<(List<ReceivedMessage> Batch, bool Buried, TimeSpan? DueIn)> TryReceiveAsync(int maxMessages) =>
        RunAsync(
            "receive",
            ReceiveSql,
            p =>
            {
                p.Add(new NpgsqlParameter<string>("queue", _options.QueueName));
                p.Add(new NpgsqlParameter<int>("max", maxMessages));
                p.Add(new NpgsqlParameter<int>("maxDeliveries", _options.MaxDeliveries ?? 0));
                p.Add(new NpgsqlParameter<TimeSpan>("lease", _options.LeaseDuration));
            },
            async command =>
            {
                var rows = new List<(long Id, Guid Token, int Count, string Body)>();
                var buried = false;
                TimeSpan? dueIn = null;
                await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        if (reader.IsDBNull(0))
                        {
                            dueIn = reader.IsDBNull(5) ? null : TimeSpan.FromSeconds(reader.GetDouble(5));
                            continue;
                        }

                        if (reader.GetBoolean(4))
                        {
                            buried = true;
                            continue;
                        }

                        rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3)));
                    }
                }

                var batch = new List<ReceivedMessage>(rows.Count);
                foreach (var (id, token, count, body) in rows.OrderBy(r => r.Id))
                {
                    WorkMessage message;
                    try
                    {
                        message = WorkMessageCodec.Decode(System.Text.Encoding.UTF8.GetBytes(body));
                    }
                    catch (FormatException)
                    {
                        _observer.OnRequest(StoreName, "bury");
                        await using var bury = _store.DataSource.CreateCommand(BuryUnreadableSql);
                        bury.Parameters.Add(new NpgsqlParameter<long>("id", id));
                        await bury.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                        buried = true;
                        continue;
                    }

                    batch.Add(new ReceivedMessage(message, FormatToken(id, token), count));
                }

                return (batch, buried, dueIn);
            },
            CancellationToken.None);

    private static string FormatToken(long id, Guid token) => $"{id.ToString(CultureInfo.InvariantCulture)}:{token:N}";

    /// <summary>Parses a lease token of this queue; false for anything else (which is then harmless).</summary>
    private static bool TryParseToken(string leaseToken, out long id, out Guid token)
    {
        token = Guid.Empty;
        id = 0;
        var colon = leaseToken.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && long.TryParse(leaseToken.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out id)
            && Guid.TryParseExact(leaseToken.AsSpan(colon + 1), "N", out token);
    }
}
