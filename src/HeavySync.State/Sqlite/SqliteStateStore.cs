using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

/// <summary>
/// The embedded state store: one SQLite file in WAL mode, one connection serialised by a gate
/// (SQLite has a single writer, and the engine's writes are batched, so one connection suffices).
/// Every SQLite failure surfaces as a one-line <see cref="StateStoreException"/>; cancellation
/// interrupts the running statement and surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed partial class SqliteStateStore : IStateStore
{
    private const int BusyTimeoutMilliseconds = 10_000;

    private static readonly object InitLock = new();
    private static bool _initialised;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private bool _disposed;

    private SqliteStateStore(string path, SqliteConnection connection, TimeProvider time)
    {
        Path = path;
        _connection = connection;
        _time = time;
    }

    /// <summary>The state file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating when absent) the state file at <paramref name="path"/> and migrates its schema.
    /// Throws <see cref="StateStoreException"/> when the file is not a HeavySync state database or its
    /// schema is newer than this build.
    /// </summary>
    /// <param name="path">The state file; its parent directory is created when missing.</param>
    /// <param name="cancellationToken">Cancels the open and the migration.</param>
    /// <param name="time">The clock stamped on records; default <see cref="TimeProvider.System"/>.</param>
    public static async Task<SqliteStateStore> OpenAsync(string path, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureInitialised();
        var fullPath = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // A new file is created without flushes (synchronous = OFF until its schema is in). Creating it
        // and switching it to WAL took six fsyncs, and each waits for whatever else the machine is
        // writing back: 0.2-0.3 s measured beside a storage emulator writing 256 MiB. A machine
        // crash in those milliseconds leaves a file that holds nothing yet (the next open migrates it
        // again, or refuses it as not a state database); a process crash loses nothing either way.
        var file = new FileInfo(fullPath);
        var isNew = !file.Exists || file.Length == 0;

        // Pooling off: disposing the store must really close the file (tests delete it, users move it).
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        var store = new SqliteStateStore(fullPath, connection, time ?? TimeProvider.System);
        try
        {
            await store.UseAsync(c =>
            {
                c.Open();
                c.Execute($"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}");

                // Refuse someone else's database before a pragma (WAL) changes its file.
                store.RefuseForeignDatabase(c);
                ExecutePragmas(c, isNew);
                RegisterFunctions(c);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (isNew)
            {
                await store.UseAsync(c => c.Execute("PRAGMA synchronous = NORMAL"), cancellationToken).ConfigureAwait(false);
            }

            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;
        _connection.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void EnsureInitialised()
    {
        // Batteries_V2.Init registers the bundled engine; it must run once per process.
        lock (InitLock)
        {
            if (!_initialised)
            {
                SQLitePCL.Batteries_V2.Init();
                _initialised = true;
            }
        }
    }

    /// <summary>The store's own connection's <c>PRAGMA synchronous</c> (0 off, 1 normal, 2 full):
    /// a new file is created with 0 and must be left at 1.</summary>
    internal Task<long> ReadSynchronousAsync(CancellationToken cancellationToken) =>
        UseAsync(c => c.ExecuteScalar<long>("PRAGMA synchronous"), cancellationToken);

    private static void ExecutePragmas(SqliteConnection connection, bool isNew)
    {
        using var command = connection.CreateCommand();
        command.CommandText =
            (isNew ? "PRAGMA synchronous = OFF;" : "PRAGMA synchronous = NORMAL;") +
            "PRAGMA journal_mode = WAL;" +
            "PRAGMA foreign_keys = ON;";
        command.ExecuteNonQuery();
    }

    private long Now() => Planning.Fingerprint.UnixTicks(_time.GetUtcNow());

    /// <summary>Runs <paramref name="work"/> alone on the connection, translating SQLite failures.</summary>
    private async Task<T> UseAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();

            // SQLite runs statements synchronously; interrupting is the only way to stop a long plan.
            using var registration = cancellationToken.Register(Interrupt);
            return work(_connection);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_INTERRUPT && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, committed when it returns.</summary>
    private Task<T> InTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken) =>
        UseAsync(c =>
        {
            // IMMEDIATE: take the write lock up front, so a concurrent writer waits (busy_timeout)
            // instead of failing half-way through with SQLITE_BUSY on lock upgrade.
            using var transaction = c.BeginTransaction(deferred: false);
            var result = work(c, transaction);
            transaction.Commit();
            return result;
        }, cancellationToken);

    private void Interrupt()
    {
        if (_connection.State == ConnectionState.Open)
        {
            SQLitePCL.raw.sqlite3_interrupt(_connection.Handle);
        }
    }

    private StateStoreException Translate(SqliteException ex)
    {
        var cause = SQLitePCL.raw.sqlite3_errstr(ex.SqliteErrorCode).utf8_to_string();
        return ex.SqliteErrorCode switch
        {
            SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_CORRUPT =>
                new StateStoreException($"state file {Path} is not a HeavySync state database ({cause})", ex),
            SQLitePCL.raw.SQLITE_CANTOPEN =>
                new StateStoreException($"state file {Path} cannot be opened ({cause})", ex),
            _ => new StateStoreException($"state file {Path}: {OneLine(ex.Message)}", ex),
        };
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
