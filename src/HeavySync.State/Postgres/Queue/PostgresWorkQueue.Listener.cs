using Npgsql;

namespace HeavySync.State.Postgres.Queue;

public sealed partial class PostgresWorkQueue
{
    /// <summary>Starts the listener on first use; returns the task that completes at the next publish.</summary>
    private Task ListenAndGetSignal()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _listener ??= Task.Run(() => ListenAsync(_stopping.Token));
            return _published.Task;
        }
    }

    private void Signal()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _published;
            _published = NewSignal();
        }

        fired.TrySetResult();
    }

    /// <summary>
    /// Holds a LISTEN session on its own unpooled connection and turns this queue's notifications into
    /// signals. When the connection fails, receivers keep polling while it reconnects.
    /// </summary>
    private async Task ListenAsync(CancellationToken stopping)
    {
        var settings = new NpgsqlConnectionStringBuilder(_store.Settings.ConnectionString) { Pooling = false, KeepAlive = 30 };
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                connection.Notification += (_, e) =>
                {
                    if (string.Equals(e.Payload, _options.QueueName, StringComparison.Ordinal))
                    {
                        Signal();
                    }
                };
                await connection.OpenAsync(stopping).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                // Anything published while no session listened is in the table: look again now.
                Signal();
                while (true)
                {
                    await connection.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                try
                {
                    await Task.Delay(_options.PollInterval, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
