using HeavySync.Queue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Google.PubSub;

/// <summary>
/// The <see cref="IWorkQueue"/> over Google Cloud Pub/Sub (REST v1), at <c>pubsub://projects/P/subscriptions/S</c>.
/// <list type="bullet">
/// <item>Publish: the <see cref="WorkMessageCodec"/> document, base64 in <c>data</c>, its trace
/// context also in the <c>traceparent</c> attribute; split into requests of at most 1,000 messages
/// and ~9 MB. The topic is the subscription's (read once with <c>subscriptions.get</c>).</item>
/// <item>Receive: pulls that answer at once (<c>returnImmediately</c>) with a pause growing across
/// empty pulls until a message comes or the wait ends. A pull that waits for messages cannot be cut
/// short without risking leasing messages to an answer nobody reads (on the emulator it blocks
/// ~89 s); docs/pubsub.md explains the choice.</item>
/// <item>Leases are ack deadlines: set to <see cref="PubSubQueueOptions.LeaseDuration"/> after each
/// pull (one request for the whole pull; none when the subscription's own deadline is that long
/// already), extended with <c>modifyAckDeadline</c> (the heartbeat, many ack ids per request),
/// released with deadline 0; acknowledgements carry many ack ids per request.</item>
/// <item>Delivery count: Pub/Sub's <c>deliveryAttempt</c> when the subscription has a dead-letter
/// policy (exact); without one, the deliveries this process saw (a lower bound, see <see cref="DeliveryTally"/>).</item>
/// <item>Depth: Cloud Monitoring's <c>num_undelivered_messages</c>, the number KEDA scales on
/// (sampled once a minute); -1 (unknown) with an emulator, which has no monitoring.</item>
/// </list>
/// Failures are <see cref="HeavySync.Storage.StoreException"/>s after bounded retries: transient
/// and throttled ones (429, 5xx, UNAVAILABLE) are retried with backoff; a missing topic or
/// subscription (404) and refused credentials (401, 403) are <c>Fatal</c>. Thread-safe.
/// </summary>
public sealed partial class PubSubWorkQueue : IWorkQueue
{
    /// <summary>The message attribute carrying the W3C trace context (DESIGN.md §5).</summary>
    public const string TraceParentAttribute = "traceparent";

    private readonly PubSubClient _client;
    private readonly PubSubQueueOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DeliveryTally _tally;
    private readonly SemaphoreSlim _topicGate = new(1, 1);
    private string? _topic;
    private int? _subscriptionDeadlineSeconds;
    private DepthReading? _depthCache;

    internal PubSubWorkQueue(PubSubClient client, PubSubQueueLocation location, PubSubQueueOptions options, ILogger? logger, TimeProvider? timeProvider)
    {
        _client = client;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _tally = new DeliveryTally(options.RememberedDeliveries);
        Location = location;
        if (options.LeaseDuration is { } lease)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.Zero, nameof(options));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(lease, MaxDeadline, nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessagesPerPublish, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxMessagesPerPublish, 1000, nameof(options));
    }

    /// <summary>Pub/Sub's longest ack deadline.</summary>
    public static TimeSpan MaxDeadline { get; } = TimeSpan.FromSeconds(600);

    /// <summary>Where this queue lives.</summary>
    public PubSubQueueLocation Location { get; }

    /// <inheritdoc />
    public MessagingDestination Messaging => new(MessagingDestination.GcpPubSub, Location.Subscription, Location.Subscription);

    /// <summary>
    /// Opens the queue at <paramref name="location"/> (<c>pubsub://projects/P/subscriptions/S</c>).
    /// Nothing is requested yet: a missing subscription shows on first use as a fatal
    /// <see cref="HeavySync.Storage.StoreException"/>. Throws <see cref="FormatException"/> for a
    /// malformed location and a fatal <see cref="HeavySync.Storage.StoreException"/> when no
    /// credentials are found outside emulator mode.
    /// </summary>
    public static Task<PubSubWorkQueue> CreateAsync(string location, PubSubQueueOptions? options, ILoggerFactory? loggers, CancellationToken cancellationToken) =>
        CreateAsync(PubSubQueueLocation.Parse(location), options, loggers, cancellationToken);

    /// <inheritdoc cref="CreateAsync(string, PubSubQueueOptions?, ILoggerFactory?, CancellationToken)"/>
    public static async Task<PubSubWorkQueue> CreateAsync(PubSubQueueLocation location, PubSubQueueOptions? options, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= new PubSubQueueOptions();
        var client = await PubSubClient.CreateAsync(options, cancellationToken).ConfigureAwait(false);
        return new PubSubWorkQueue(client, location, options, loggers?.CreateLogger<PubSubWorkQueue>(), null);
    }

    /// <summary>
    /// Creates the topic, the dead-letter topic when <paramref name="spec"/> names one, and the
    /// subscription of <paramref name="location"/> on the topic; what exists already is left as it
    /// is (409 ALREADY_EXISTS is success). For tests and for setting a cluster up.
    /// </summary>
    public static async Task EnsureCreatedAsync(PubSubQueueLocation location, PubSubQueueSpec spec, PubSubQueueOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(spec);
        using var client = await PubSubClient.CreateAsync(options ?? new PubSubQueueOptions(), cancellationToken).ConfigureAwait(false);
        var topic = $"projects/{location.Project}/topics/{spec.TopicId}";
        await client.CreateTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        PubSubWire.DeadLetterPolicy? deadLetter = null;
        if (spec.DeadLetterTopicId is { } dead)
        {
            var deadTopic = $"projects/{location.Project}/topics/{dead}";
            await client.CreateTopicAsync(deadTopic, cancellationToken).ConfigureAwait(false);
            deadLetter = new PubSubWire.DeadLetterPolicy(deadTopic, spec.MaxDeliveryAttempts);
        }

        var subscription = new PubSubWire.Subscription(null, topic, (int)Math.Ceiling(spec.AckDeadline.TotalSeconds), deadLetter);
        await client.CreateSubscriptionAsync(location.SubscriptionName, subscription, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the subscription of <paramref name="location"/> and <paramref name="topicIds"/>
    /// (topic ids of its project). For tests; a missing one is a fatal <see cref="HeavySync.Storage.StoreException"/>.
    /// </summary>
    public static async Task DeleteAsync(PubSubQueueLocation location, IEnumerable<string> topicIds, PubSubQueueOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(topicIds);
        using var client = await PubSubClient.CreateAsync(options ?? new PubSubQueueOptions(), cancellationToken).ConfigureAwait(false);
        await client.DeleteAsync(location.SubscriptionName, cancellationToken).ConfigureAwait(false);
        foreach (var topic in topicIds)
        {
            await client.DeleteAsync($"projects/{location.Project}/topics/{topic}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _topicGate.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The subscription's topic, read once (with its ack deadline).</summary>
    private async Task<string> TopicAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _topic) is { } known)
        {
            return known;
        }

        await _topicGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_topic is null)
            {
                var subscription = await _client.GetSubscriptionAsync(Location.SubscriptionName, cancellationToken).ConfigureAwait(false);
                _subscriptionDeadlineSeconds = subscription.AckDeadlineSeconds;
                Volatile.Write(ref _topic, subscription.Topic is { Length: > 0 } topic
                    ? topic
                    : throw new HeavySync.Storage.StoreException(HeavySync.Storage.StoreErrorKind.Fatal, $"pubsub {Location}: the subscription has no topic (deleted?)"));
            }

            return _topic;
        }
        finally
        {
            _topicGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pub/Sub message {MessageId} is not a work message ({Cause}); left to expire and, with a dead-letter policy, to be dead-lettered")]
    private partial void LogUndecodable(string messageId, string cause);
}
