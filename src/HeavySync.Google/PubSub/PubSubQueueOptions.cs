namespace HeavySync.Google.PubSub;

/// <summary>Settings of one <see cref="PubSubWorkQueue"/>. Defaults suit Google Cloud.</summary>
public sealed record PubSubQueueOptions
{
    /// <summary>Google's Pub/Sub REST endpoint.</summary>
    public static Uri GoogleEndpoint { get; } = new("https://pubsub.googleapis.com/");

    /// <summary>Google's Cloud Monitoring REST endpoint (queue depth).</summary>
    public static Uri GoogleMonitoringEndpoint { get; } = new("https://monitoring.googleapis.com/");

    /// <summary>
    /// An emulator's <c>host:port</c>: plain HTTP, no credentials, no Cloud Monitoring. Default: the
    /// <c>PUBSUB_EMULATOR_HOST</c> environment variable, as Google's own clients read it.
    /// </summary>
    public string? EmulatorHost { get; init; } = Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_HOST") is { Length: > 0 } host ? host : null;

    /// <summary>
    /// The Pub/Sub endpoint when no emulator is set (default <see cref="GoogleEndpoint"/>); requests
    /// carry Application Default Credentials.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>
    /// Where queue depth is read (<c>subscription/num_undelivered_messages</c>). Default: Google's
    /// Cloud Monitoring when no emulator is set; none with an emulator, whose depth is then unknown (-1).
    /// </summary>
    public Uri? MonitoringEndpoint { get; init; }

    /// <summary>
    /// How long a received message stays leased (default 60 s; 0 to 600 s, Pub/Sub's range). Set
    /// with <c>modifyAckDeadline</c> right after each pull, so it holds whatever the subscription's
    /// own <c>ackDeadlineSeconds</c> is. Null keeps the subscription's deadline (one request less per pull).
    /// </summary>
    public TimeSpan? LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First pause after an empty pull (default 200 ms); it doubles with each empty pull up to
    /// <see cref="MaxPollInterval"/>, across receives, and starts again when a pull brings messages.</summary>
    public TimeSpan MinPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest pause between two empty pulls (default 2 s): an idle consumer sends at most one pull per this interval.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages per publish request (default 1,000, Pub/Sub's maximum).</summary>
    public int MaxMessagesPerPublish { get; init; } = 1000;

    /// <summary>Bytes of JSON per publish request (default 9 MB: under Pub/Sub's 10 MB request limit with room for framing).</summary>
    public int MaxBytesPerPublish { get; init; } = 9_000_000;

    /// <summary>Attempts per request, the first included, for transient and throttled failures (default 6).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter (default 200 ms).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest retry delay (default 10 s).</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest time one request may take (default 60 s); an attempt cut off is retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a depth read from Cloud Monitoring is reused (default 10 s; the metric is sampled once a minute).</summary>
    public TimeSpan DepthCacheDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Messages whose delivery count this queue remembers when the subscription has no dead-letter
    /// policy (default 100,000; the oldest are forgotten first). See <see cref="PubSubWorkQueue"/>.
    /// </summary>
    public int RememberedDeliveries { get; init; } = 100_000;

    /// <summary>
    /// The innermost HTTP handler (default: a new <see cref="SocketsHttpHandler"/>). For tests and
    /// proxies. With an emulator the queue leaves it undisposed (one handler may serve many
    /// queues); with credentials Google.Apis' client owns it and disposes it with the queue.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Counts every request sent (each attempt), as store <c>pubsub</c> by method (<c>pull</c>,
    /// <c>acknowledge</c>, <c>modifyAckDeadline</c>, <c>publish</c>, <c>get</c>, <c>depth</c>); null for none.</summary>
    public HeavySync.Storage.IRequestObserver? RequestObserver { get; init; }

    /// <summary>True when requests go to an emulator (plain HTTP, no credentials).</summary>
    public bool UsesEmulator => EmulatorHost is not null;

    /// <summary>The Pub/Sub endpoint requests go to.</summary>
    public Uri ResolvedEndpoint => EmulatorHost is { } host ? new Uri($"http://{host}/") : Endpoint ?? GoogleEndpoint;

    /// <summary>The Cloud Monitoring endpoint depth comes from, or null when depth is unknown.</summary>
    public Uri? ResolvedMonitoringEndpoint => MonitoringEndpoint ?? (UsesEmulator ? null : GoogleMonitoringEndpoint);
}
