using Npgsql;

namespace HeavySync.State.Postgres;

/// <summary>
/// A session-level advisory lock held on its own unpooled connection: released when disposed, and by
/// the server when the holding process dies (its connection closes with it).
/// </summary>
internal sealed class AdvisoryLock(NpgsqlConnection connection) : IAsyncDisposable
{
    /// <summary>How long the release may take before the connection is simply closed.</summary>
    private const int UnlockTimeoutSeconds = 5;

    private NpgsqlConnection? _connection = connection;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is not { } held)
        {
            return;
        }

        try
        {
            // Released before the server answers, so the next taker (on another connection) finds it
            // free. Closing the connection releases it too, but only once the server has ended the
            // session, which the client does not wait for: a lock taken again at once was refused.
            // The connection holds this lock alone, so "all" is this one.
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", held) { CommandTimeout = UnlockTimeoutSeconds };
            await unlock.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken: the server ends the session, lock and all, when it notices.
        }
        finally
        {
            await held.DisposeAsync().ConfigureAwait(false);
        }
    }
}
