using Npgsql;

namespace HeavySync.State.Postgres;

public sealed partial class PostgresStateStore
{
    /// <summary>First half of a job lock's advisory key ("HS" and the kind); the job id is the second.</summary>
    private const int JobLockClassBase = 0x4853_4A00;

    /// <summary>The advisory lock key of a job's lock: (class, object) for <c>pg_advisory_lock(int, int)</c>.</summary>
    /// <remarks>Job ids beyond 2^31 wrap: two such jobs could share a lock, never miss one.</remarks>
    internal static (int Class, int Object) JobLockKey(long jobId, JobLockKind kind) =>
        (JobLockClassBase + (int)kind, unchecked((int)jobId));

    /// <inheritdoc />
    /// <remarks>
    /// <c>pg_try_advisory_lock(class, job)</c> on a dedicated, unpooled connection held until the handle
    /// is disposed: a killed holder's lock dies with its connection. The key space is the database's,
    /// so two HeavySync schemas in one database share it (a lock there is merely over-cautious).
    /// </remarks>
    public async Task<IAsyncDisposable?> TryLockJobAsync(long jobId, JobLockKind kind, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _lockSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@cls, @obj)", connection);
            var (cls, obj) = JobLockKey(jobId, kind);
            command.Parameters.Add(new NpgsqlParameter<int>("cls", cls));
            command.Parameters.Add(new NpgsqlParameter<int>("obj", obj));
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                var held = new AdvisoryLock(connection);
                connection = null;
                return held;
            }

            return null;
        }
        catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
