using HeavySync.Queue;
using HeavySync.Storage;
using Npgsql;
using NpgsqlTypes;

namespace HeavySync.State.Postgres.Queue;

/// <summary>
/// The <see cref="IWorkQueue"/> in the state database itself (<c>--queue postgres</c>): the
/// <c>queue_messages</c> table is the queue, so a cluster needs no infrastructure beyond Postgres.
/// Receiving leases rows with <c>FOR UPDATE SKIP LOCKED</c> (consumers never wait on each other);
/// a lease that expires makes the row visible again (redelivery, delivery count + 1); each delivery
/// gets a fresh lease token, so an ack or release from an expired delivery changes nothing. Publishes
/// wake waiting receivers through LISTEN/NOTIFY; without a notification they poll every
/// <see cref="PostgresQueueOptions.PollInterval"/> at most, sooner when a lease ends before. Every
/// statement counts as one request of store <c>postgres</c> (operations <c>publish</c>, <c>receive</c>,
/// <c>ack</c>, <c>release</c>, <c>extend</c>, <c>depth</c>), the cost of a run. Database failures
/// surface as one-line <see cref="StateStoreException"/>s.
/// </summary>
public sealed partial class PostgresWorkQueue : IWorkQueue
{
    /// <summary>The queue name when none is configured.</summary>
    public const string DefaultQueueName = "heavysync";

    /// <summary>The NOTIFY channel publishes signal on; the payload is the queue name.</summary>
    internal const string Channel = "heavysync_queue";

    /// <summary>
    /// What the KEDA <c>postgresql</c> scaler should run to scale copiers on the default queue:
    /// messages waiting or in flight, dead ones excluded (the same number as
    /// <see cref="GetApproximateDepthAsync"/>). It walks the partial index of live rows. For another
    /// queue name use <see cref="PendingQueryFor"/>.
    /// </summary>
    public const string PendingQuery = "SELECT COUNT(*) FROM queue_messages WHERE queue = 'heavysync' AND NOT dead";

    private readonly PostgresStateStore _store;
    private readonly bool _ownsStore;
    private readonly PostgresQueueOptions _options;
    private readonly IRequestObserver _observer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _published = NewSignal();
    private Task? _listener;
    private bool _disposed;

    private PostgresWorkQueue(PostgresStateStore store, bool ownsStore, PostgresQueueOptions options, IRequestObserver? observer)
    {
        options.Validate();
        _store = store;
        _ownsStore = ownsStore;
        _options = options;
        _observer = observer ?? NullRequestObserver.Instance;
    }

    /// <inheritdoc />
    public MessagingDestination Messaging => new(MessagingDestination.PostgreSql, _options.QueueName);

    /// <summary>The store name requests are counted under.</summary>
    public const string StoreName = "postgres";

    /// <summary><see cref="PendingQuery"/> for the queue named <paramref name="queueName"/>.</summary>
    public static string PendingQueryFor(string queueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        return $"SELECT COUNT(*) FROM queue_messages WHERE queue = '{queueName.Replace("'", "''", StringComparison.Ordinal)}' AND NOT dead";
    }

    /// <summary>
    /// A queue on the database of an open state store, sharing its connection pool. The store must
    /// outlive the queue (the queue does not dispose it). <paramref name="observer"/> counts the statements.
    /// </summary>
    public static PostgresWorkQueue Create(PostgresStateStore store, PostgresQueueOptions options, IRequestObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        return new PostgresWorkQueue(store, ownsStore: false, options, observer);
    }

    /// <summary>
    /// A queue on the database at <paramref name="location"/> (a postgres:// URL or keyword string),
    /// migrating the schema first like any role does. Throws <see cref="StateStoreException"/> when
    /// the database cannot be used (see <see cref="PostgresStateStore.OpenAsync"/>). <paramref name="observer"/> counts the statements.
    /// </summary>
    public static async Task<PostgresWorkQueue> OpenAsync(string location, PostgresQueueOptions options, CancellationToken cancellationToken, IRequestObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = await PostgresStateStore.OpenAsync(location, cancellationToken).ConfigureAwait(false);
        return new PostgresWorkQueue(store, ownsStore: true, options, observer);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Task? listener;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            listener = _listener;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (listener is not null)
        {
            await listener.ConfigureAwait(false);
        }

        _stopping.Dispose();
        if (_ownsStore)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs one command on a pooled connection (one request of <paramref name="operation"/>), translating database failures.</summary>
    private async Task<T> RunAsync<T>(string operation, string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlCommand, Task<T>> execute, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _observer.OnRequest(StoreName, operation);
        try
        {
            await using var command = _store.DataSource.CreateCommand(sql);
            bind(command.Parameters);
            return await execute(command).ConfigureAwait(false);
        }
        catch (Exception ex) when (_store.Translate(ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType elementType, T[] values) =>
        new(name, NpgsqlDbType.Array | elementType) { Value = values };
}
