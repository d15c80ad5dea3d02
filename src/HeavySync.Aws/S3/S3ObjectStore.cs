using Amazon.Runtime;
using Amazon.S3;
using HeavySync.Locations;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace HeavySync.Aws.S3;

/// <summary>
/// An S3 bucket prefix as an <see cref="IObjectStore"/>: keys are the location prefix plus the
/// relative key. Every request goes through one retry pipeline and is counted by
/// <see cref="IRequestObserver"/>; every failure is classified by <see cref="S3ErrorMapper"/>.
/// Split by concern: listing, reading, writing, copying, deleting, versions, cleanup.
/// </summary>
public sealed partial class S3ObjectStore : IObjectStore, IServerSideCopy, IBatchDelete
{
    private readonly IAmazonS3 _client;
    private readonly Lazy<S3DirectPut?>? _directPut;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly S3StoreOptions _options;
    private readonly SemaphoreSlim _partBudget;
    private readonly IRequestObserver _observer;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private long _directPuts;

    private S3ObjectStore(
        IAmazonS3 client,
        Lazy<S3DirectPut?>? directPut,
        StoreLocation location,
        S3Identity identity,
        S3StoreOptions options,
        IRequestObserver observer,
        ILogger logger,
        TimeProvider timeProvider)
    {
        _client = client;
        _directPut = directPut;
        _bucket = location.Bucket;
        _prefix = location.Prefix;
        Location = location.Canonical;
        Identity = identity;
        _options = options;
        _partBudget = new SemaphoreSlim(options.MaxBufferedParts);
        _observer = observer;
        _logger = logger;
        _timeProvider = timeProvider;
        _pipeline = StoreRetry.Create(
            new StoreRetryOptions(options.MaxAttempts, options.RetryBaseDelay, options.RetryMaxDelay)
            {
                OnRetry = failure => observer.OnRetry(Location, failure.Kind),
            },
            timeProvider);
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; private set; } = new();

    /// <summary>Endpoint, region and access key: two stores with equal identities can copy server-side.</summary>
    internal S3Identity Identity { get; }

    /// <inheritdoc />
    public int MaxBatchSize => 1000;

    /// <summary>Objects written with <see cref="S3DirectPut"/> rather than the SDK (for tests and diagnostics).</summary>
    internal long DirectPuts => Interlocked.Read(ref _directPuts);

    /// <summary>Whether the direct path was set up (on the first small write; tests and diagnostics).</summary>
    internal bool DirectPathResolved => _directPut is { IsValueCreated: true };

    /// <summary>
    /// Opens the bucket: resolves settings and credentials, then reads the bucket's versioning state
    /// (which also proves the bucket exists and the credentials work). A missing bucket or rejected
    /// credentials are <see cref="StoreErrorKind.Fatal"/> with a one-line cause.
    /// </summary>
    /// <param name="location">An s3:// location.</param>
    /// <param name="settings">Endpoint, region, profile and path style.</param>
    /// <param name="options">Tuning; null for the defaults.</param>
    /// <param name="observer">Receives request counts and throttling; null for none.</param>
    /// <param name="logger">Logs; null for none.</param>
    /// <param name="credentials">Explicit credentials (tests, a second account); null to resolve them from settings.</param>
    /// <param name="timeProvider">Clock for retries and cleanup cut-offs; null for the system clock.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<S3ObjectStore> OpenAsync(
        StoreLocation location,
        LocationSettings settings,
        S3StoreOptions? options = null,
        IRequestObserver? observer = null,
        ILogger? logger = null,
        AWSCredentials? credentials = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(settings);
        if (location.Scheme != LocationScheme.S3)
        {
            throw new ArgumentException($"not an s3:// location: {location}", nameof(location));
        }

        options ??= new S3StoreOptions();
        options.Validate();
        var config = S3ClientFactory.CreateConfig(settings);
        credentials ??= S3ClientFactory.ResolveCredentials(settings, config);
        string accessKey;
        try
        {
            accessKey = (await credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false)).AccessKey;
        }
        catch (AmazonClientException ex)
        {
            throw new StoreException(StoreErrorKind.Fatal, $"could not obtain AWS credentials for {location}: {ex.GetType().Name}", ex);
        }

        var identity = new S3Identity(S3ClientFactory.ResolveEndpoint(settings) ?? string.Empty, S3ClientFactory.ResolveRegion(settings), accessKey);
        var client = S3ClientFactory.CreateClient(credentials, config);
        // The direct path needs the SDK's endpoint rules resolved (tens of milliseconds the first
        // time): a store that never writes a small object (a source) never pays for it.
        var directPut = options.DirectPutMaxBytes > 0
            ? new Lazy<S3DirectPut?>(() => S3DirectPut.TryCreate(config, credentials, location.Bucket))
            : null;
        var store = new S3ObjectStore(client, directPut, location, identity, options, observer ?? NullRequestObserver.Instance, logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
        try
        {
            await store.ProbeBucketAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return store;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (_directPut is { IsValueCreated: true, Value: { } directPut })
        {
            directPut.Dispose();
        }

        _partBudget.Dispose();
        return ValueTask.CompletedTask;
    }

    private string FullKey(string key) => _prefix + key;

    private string RelativeKey(string fullKey) =>
        fullKey.StartsWith(_prefix, StringComparison.Ordinal) ? fullKey[_prefix.Length..] : fullKey;

    private string Describe(string operation, string key) => $"{operation} s3://{_bucket}/{FullKey(key)}";

    /// <summary>Sends one request through the retry pipeline: counted per attempt, failures classified,
    /// throttling reported.</summary>
    private async Task<T> SendAsync<T>(string operation, string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            async token =>
            {
                _observer.OnRequest(Location, operation);

                // The SDK's own timeout stops at the response headers; a body that stalls after them
                // (a listing, an error document) would otherwise hold this attempt forever.
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(_options.RequestTimeout);
                try
                {
                    return await call(deadline.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (S3ErrorMapper.Map(ex, what, token) is { } mapped)
                {
                    if (mapped.Kind == StoreErrorKind.Throttled)
                    {
                        _observer.OnThrottled(Location);
                    }

                    if (mapped.IsRetryable)
                    {
                        LogRetryable(_logger, what, mapped.Kind, mapped.Message);
                    }

                    throw mapped;
                }
            },
            cancellationToken).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{What} failed ({Kind}): {Cause}")]
    private static partial void LogRetryable(ILogger logger, string what, StoreErrorKind kind, string cause);
}
