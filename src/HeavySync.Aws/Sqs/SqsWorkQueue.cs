using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using HeavySync.Queue;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// An <see cref="IWorkQueue"/> on an SQS standard queue (DESIGN.md §5). The message body is the
/// <see cref="WorkMessageCodec"/> document; the trace context also travels as the String message
/// attribute <c>traceparent</c>. The lease is the visibility timeout, the lease token the receipt
/// handle, the delivery count SQS's ApproximateReceiveCount. Dead-lettering after N deliveries is the
/// queue's RedrivePolicy (and the consumer's own decision from the delivery count). Publishing packs
/// up to 10 messages per SendMessageBatch; acknowledgements share DeleteMessageBatch requests but
/// each <see cref="AckAsync"/> completes only once its delete is done. Split by concern: publishing,
/// receiving and leases in the partial files.
/// </summary>
public sealed partial class SqsWorkQueue : IWorkQueue
{
    /// <summary>The message attribute that carries the W3C trace context.</summary>
    public const string TraceParentAttribute = "traceparent";

    private static readonly string[] DepthAttributes =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
    ];

    private readonly SqsClient _client;
    private readonly Uri _queueUrl;
    private readonly SqsQueueOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SqsAckBatcher _acks;
    private readonly int _visibilitySeconds;
    private readonly CancellationTokenSource _closing = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _orphans = new();
    private int _disposed;

    /// <summary>Creates a queue over an existing client (which it then owns and disposes).</summary>
    /// <param name="client">The SQS client for the queue's endpoint.</param>
    /// <param name="queueUrl">The queue URL.</param>
    /// <param name="options">Lease and batching settings; null for the defaults.</param>
    /// <param name="logger">Logs; null for none.</param>
    /// <param name="timeProvider">Clock; null for the system clock.</param>
    public SqsWorkQueue(SqsClient client, Uri queueUrl, SqsQueueOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(queueUrl);
        _options = options ?? new SqsQueueOptions();
        _options.Validate();
        _client = client;
        _queueUrl = queueUrl;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _visibilitySeconds = CeilingSeconds(_options.VisibilityTimeout);
        _acks = new SqsAckBatcher(client, queueUrl, _options, _time);
    }

    /// <summary>The queue URL.</summary>
    public Uri QueueUrl => _queueUrl;

    /// <inheritdoc />
    public MessagingDestination Messaging => new(MessagingDestination.AwsSqs, _queueUrl.AbsolutePath.TrimEnd('/').Split('/')[^1]);

    /// <summary>
    /// Builds a queue from a URL (<c>--queue https://sqs.REGION.amazonaws.com/ACCOUNT/NAME</c>, or any
    /// http(s) queue URL such as a test server's). Endpoint and region follow <see cref="SqsQueueAddress.Parse"/>;
    /// credentials are <paramref name="credentials"/> when given, else the options' profile, else the
    /// SDK's default chain. Nothing is sent until the first call.
    /// </summary>
    /// <exception cref="ArgumentException">The URL or the options are invalid (one-line message).</exception>
    /// <exception cref="StoreException"><see cref="StoreErrorKind.Fatal"/>: the profile is missing or no credentials were found.</exception>
    public static SqsWorkQueue Create(
        string queueUrl,
        SqsQueueOptions? options = null,
        AWSCredentials? credentials = null,
        IRequestObserver? observer = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        options ??= new SqsQueueOptions();
        options.Validate();
        var address = SqsQueueAddress.Parse(queueUrl, options);
        var client = new SqsClient(address.Endpoint, address.Region, credentials ?? ResolveCredentials(options), options, observer, timeProvider);
        return new SqsWorkQueue(client, address.QueueUrl, options, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SqsWorkQueue>(), timeProvider);
    }

    /// <summary>Builds a queue from <paramref name="options"/>, whose <see cref="SqsQueueOptions.QueueUrl"/> must be set;
    /// otherwise as <see cref="Create(string, SqsQueueOptions?, AWSCredentials?, IRequestObserver?, ILoggerFactory?, TimeProvider?)"/>.</summary>
    /// <exception cref="ArgumentException">No queue URL, or an invalid one (one-line message).</exception>
    public static SqsWorkQueue Create(
        SqsQueueOptions options,
        AWSCredentials? credentials = null,
        IRequestObserver? observer = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.QueueUrl))
        {
            throw new ArgumentException("no SQS queue URL given (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)", nameof(options));
        }

        return Create(options.QueueUrl, options, credentials, observer, loggerFactory, timeProvider);
    }

    /// <summary>Credentials from the named profile (a missing profile is <see cref="StoreErrorKind.Fatal"/>), else the default chain.</summary>
    public static AWSCredentials ResolveCredentials(SqsQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Profile))
        {
            var profile = options.Profile.Trim();
            return new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile)
                ? fromProfile
                : throw new StoreException(StoreErrorKind.Fatal, $"AWS profile '{profile}' was not found in the shared config or credentials files");
        }

        try
        {
            return AwsDefaultCredentials.Resolve(null);
        }
        catch (AmazonClientException ex)
        {
            throw new StoreException(StoreErrorKind.Fatal, "no AWS credentials found for SQS (environment, profile, web identity, container or instance)", ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>Visible, in-flight and delayed messages (SQS's approximate counts, which lag by up to a minute on AWS).</remarks>
    public async Task<long> GetApproximateDepthAsync(CancellationToken cancellationToken)
    {
        var attributes = await _client.GetQueueAttributesAsync(_queueUrl, DepthAttributes, cancellationToken).ConfigureAwait(false);
        long depth = 0;
        foreach (var name in DepthAttributes)
        {
            if (attributes.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                depth += count;
            }
        }

        return depth;
    }

    /// <inheritdoc />
    /// <remarks>Waits for pending acknowledgements to be sent and for abandoned long polls to end
    /// (their messages released; cut off after <see cref="OrphanGrace"/>), then releases the HTTP client.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_orphans.Keys).WaitAsync(OrphanGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _closing.CancelAsync().ConfigureAwait(false);
        }

        await _acks.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
        _closing.Dispose();
    }

    /// <summary>How long disposing waits for abandoned long polls (a poll lasts at most 20 s).</summary>
    private static TimeSpan OrphanGrace { get; } = TimeSpan.FromSeconds(25);

    /// <summary>Whole seconds, rounded up so a lease is never shorter than asked, within SQS's 0 to 12 hours.</summary>
    private static int CeilingSeconds(TimeSpan value) =>
        value <= TimeSpan.Zero ? 0 : (int)Math.Min(43_200, Math.Ceiling(value.TotalSeconds - 1e-9));

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
