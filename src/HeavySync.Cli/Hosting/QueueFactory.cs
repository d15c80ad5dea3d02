using HeavySync.Aws.Sqs;
using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;
using HeavySync.Google.PubSub;
using HeavySync.Queue;
using HeavySync.State.Postgres;
using HeavySync.State.Postgres.Queue;

namespace HeavySync.Cli.Hosting;

/// <summary>Opens the work queue the <c>queue</c> setting names (DESIGN.md §10).</summary>
internal static class QueueFactory
{
    /// <summary>The queue of a cluster role. Bad values are usage errors.</summary>
    public static async ValueTask<IWorkQueue> OpenAsync(CliSettings settings, CliHost host, CancellationToken cancellationToken)
    {
        var queue = settings.GetString("queue")
            ?? throw new UsageException("no queue given: use --queue postgres, an SQS queue URL or pubsub://projects/P/subscriptions/S, or set HEAVYSYNC_QUEUE");
        if (queue.Equals("inprocess", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException("--queue inprocess lives inside one 'heavysync sync' process; cluster roles need postgres, an SQS queue URL or pubsub://...");
        }

        if (queue.Equals("postgres", StringComparison.OrdinalIgnoreCase) || PostgresConnectionString.IsPostgres(queue))
        {
            return await OpenPostgresAsync(queue, settings, host, cancellationToken);
        }

        if (queue.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || queue.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return OpenSqs(queue, settings, host);
        }

        if (PubSubQueueLocation.IsPubSub(queue))
        {
            return await OpenPubSubAsync(queue, settings, host, cancellationToken);
        }

        throw new UsageException($"--queue '{queue}' is not postgres, an SQS queue URL (https://...) or pubsub://projects/P/subscriptions/S");
    }

    /// <summary>The kind of queue the <c>queue</c> setting names (postgres, sqs, pubsub), for telemetry.</summary>
    public static string Kind(CliSettings settings) => settings.GetString("queue") switch
    {
        null => "none",
        var q when q.Equals("postgres", StringComparison.OrdinalIgnoreCase) || PostgresConnectionString.IsPostgres(q) => "postgres",
        var q when PubSubQueueLocation.IsPubSub(q) => "pubsub",
        var q when q.StartsWith("http", StringComparison.OrdinalIgnoreCase) => "sqs",
        _ => "other",
    };

    /// <summary>The <c>queue_lease</c> setting (default 5 minutes): how long a received message stays invisible.</summary>
    public static TimeSpan Lease(CliSettings settings)
    {
        if (settings.GetString("queue_lease") is not { } text)
        {
            return TimeSpan.FromMinutes(5);
        }

        var lease = SyncSettings.ParseDuration(text);
        return lease is { } value && value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromHours(12)
            ? value
            : throw new UsageException($"--queue-lease: '{text}' is not a duration from 1s to 12h (like 30s, 5m)");
    }

    /// <summary>
    /// <c>postgres</c>: the queue table in the state database (the state must be a postgres:// URL);
    /// or a postgres:// URL of its own.
    /// </summary>
    private static async Task<PostgresWorkQueue> OpenPostgresAsync(string queue, CliSettings settings, CliHost host, CancellationToken cancellationToken)
    {
        var location = queue;
        if (queue.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            location = settings.GetString("state") is { } state && PostgresConnectionString.IsPostgres(state)
                ? state
                : throw new UsageException("--queue postgres keeps the queue in the state database: give --state postgres://... (or a postgres:// URL as --queue)");
        }

        return await PostgresWorkQueue.OpenAsync(location, new PostgresQueueOptions { LeaseDuration = Lease(settings) }, cancellationToken, host.QueueRequests);
    }

    private static async Task<PubSubWorkQueue> OpenPubSubAsync(string location, CliSettings settings, CliHost host, CancellationToken cancellationToken)
    {
        var lease = Lease(settings);
        if (lease > PubSubWorkQueue.MaxDeadline)
        {
            throw new UsageException($"--queue-lease: Pub/Sub ack deadlines are at most {PubSubWorkQueue.MaxDeadline.TotalSeconds:0} s");
        }

        var options = new PubSubQueueOptions { LeaseDuration = lease, RequestObserver = host.QueueRequests };
        if (settings.GetString("queue_endpoint") is { } endpoint)
        {
            options = endpoint.Contains("://", StringComparison.Ordinal)
                ? options with { Endpoint = new Uri(endpoint.TrimEnd('/') + "/"), EmulatorHost = null }
                : options with { EmulatorHost = endpoint };
        }

        try
        {
            return await PubSubWorkQueue.CreateAsync(location, options, host.Loggers, cancellationToken);
        }
        catch (FormatException ex)
        {
            throw new UsageException("--queue: " + ex.Message);
        }
    }

    private static SqsWorkQueue OpenSqs(string url, CliSettings settings, CliHost host)
    {
        var options = new SqsQueueOptions
        {
            VisibilityTimeout = Lease(settings),
            Endpoint = settings.GetString("queue_endpoint"),
            Region = settings.GetString("queue_region"),
            Profile = settings.GetString("queue_profile"),
        };
        try
        {
            return SqsWorkQueue.Create(url, options, observer: host.QueueRequests, loggerFactory: host.Loggers);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException("--queue: " + ex.Message);
        }
    }
}
