using System.Net.Sockets;
using Dapper;
using Npgsql;

namespace HeavySync.State.Postgres;

/// <summary>
/// The cluster state store: PostgreSQL through a pooled <see cref="NpgsqlDataSource"/>, so lister,
/// copiers and finalizer share one database. Listings arrive by binary COPY, the plan is set-based
/// SQL, task outcomes are recorded a batch per round trip, and job locks are session advisory locks.
/// Every failure surfaces as a one-line <see cref="StateStoreException"/> naming host:port/database,
/// never the password; cancellation surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed partial class PostgresStateStore : IStateStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _lockSource;
    private readonly TimeProvider _time;
    private bool _disposed;

    private PostgresStateStore(NpgsqlConnectionStringBuilder settings, TimeProvider time)
    {
        Settings = settings;
        Where = PostgresConnectionString.Describe(settings);
        _time = time;
        _dataSource = NpgsqlDataSource.Create(settings);

        // Job locks live as long as their connection: unpooled, so closing really ends the session
        // (a pooled connection would keep the lock until its lazy reset).
        _lockSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false });
    }

    /// <summary>The parsed connection settings (holds the password: never log them).</summary>
    internal NpgsqlConnectionStringBuilder Settings { get; }

    /// <summary>The pooled data source, for components that share the database (the Postgres work queue).</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>host:port/database, for messages.</summary>
    public string Where { get; }

    /// <summary>
    /// A store on <paramref name="location"/> without touching the database (no connection, no
    /// migration): for <see cref="GetSchemaStatusAsync"/> before deciding to migrate. Throws
    /// <see cref="StateStoreException"/> when the location is malformed.
    /// </summary>
    /// <param name="location">A postgres:// URL or an Npgsql keyword connection string.</param>
    /// <param name="time">The clock stamped on records; default <see cref="TimeProvider.System"/>.</param>
    public static PostgresStateStore Create(string location, TimeProvider? time = null) =>
        new(PostgresConnectionString.Parse(location), time ?? TimeProvider.System);

    /// <summary>
    /// Connects to <paramref name="location"/> and migrates the schema to this build's version (safe
    /// with many roles starting at once). Throws <see cref="StateStoreException"/> when the server
    /// cannot be reached, authentication fails, the database is missing or its schema is newer.
    /// </summary>
    /// <param name="location">A postgres:// URL or an Npgsql keyword connection string.</param>
    /// <param name="cancellationToken">Cancels connecting and migrating.</param>
    /// <param name="time">The clock stamped on records; default <see cref="TimeProvider.System"/>.</param>
    public static async Task<PostgresStateStore> OpenAsync(string location, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var store = Create(location, time);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _lockSource.DisposeAsync().ConfigureAwait(false);
    }

    private long Now() => Planning.Fingerprint.UnixTicks(_time.GetUtcNow());

    /// <summary>Runs <paramref name="work"/> on a pooled connection, translating failures.</summary>
    private async Task<T> UseAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, committed when it returns.</summary>
    private Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        UseAsync(async c =>
        {
            await using var transaction = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await work(c, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    /// <summary>
    /// Runs a statement straight through Npgsql where Dapper's build-time command generation
    /// (Dapper.AOT) cannot serve it: text built at run time (a column or schema name chosen by the
    /// caller, a migration script; it reads only SQL known at compile time), and statements without
    /// parameter values (their generated command ignores the cancellation token carried in the
    /// parameters). Only names this class chose go into the text; values travel as parameters.
    /// </summary>
    private static async Task<int> ExecuteBuiltAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The one-line <see cref="StateStoreException"/> for a failure, or a cancellation; null for
    /// exceptions that pass through unchanged (ours, argument errors).
    /// </summary>
    internal Exception? Translate(Exception ex, CancellationToken cancellationToken)
    {
        if (ex is StateStoreException or ArgumentException or ObjectDisposedException)
        {
            return null;
        }

        if (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or NpgsqlException)
        {
            return ex is OperationCanceledException ? null : new OperationCanceledException(cancellationToken);
        }

        return ex switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } =>
                new StateStoreException($"state database {Where}: authentication failed for user '{Settings.Username}'", ex),
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                new StateStoreException($"state database {Where} does not exist", ex),
            PostgresException pg =>
                new StateStoreException($"state database {Where}: {OneLine(pg.MessageText)} ({pg.SqlState})", ex),
            NpgsqlException { InnerException: SocketException socket } =>
                new StateStoreException($"state database {Where} cannot be reached ({OneLine(socket.Message)})", ex),
            NpgsqlException { InnerException: TimeoutException } or TimeoutException =>
                new StateStoreException($"state database {Where} did not answer in time", ex),
            NpgsqlException npgsql =>
                new StateStoreException($"state database {Where}: {OneLine(npgsql.Message)}", ex),
            _ => null,
        };
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
