using Npgsql;

namespace HeavySync.State.Postgres;

/// <summary>
/// A session-level advisory lock held on its own unpooled connection: released when disposed, and by
/// the server when the holding process dies (its connection closes with it).
/// </summary>
internal sealed class AdvisoryLock(NpgsqlConnection connection) : IAsyncDisposable
{
    private NpgsqlConnection? _connection = connection;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Closing the session releases every lock it holds; no unlock call can be forgotten.
        if (Interlocked.Exchange(ref _connection, null) is { } held)
        {
            await held.DisposeAsync().ConfigureAwait(false);
        }
    }
}
