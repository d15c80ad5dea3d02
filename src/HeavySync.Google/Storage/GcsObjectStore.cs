using System.Net;
using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using HeavySync.Locations;
using HeavySync.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace HeavySync.Google.Storage;

/// <summary>
/// A GCS bucket prefix as an <see cref="IObjectStore"/>, over the Cloud Storage JSON API: keys are
/// the location prefix plus the relative key. Every request goes through one retry pipeline and is
/// counted by <see cref="IRequestObserver"/>; every failure is classified by <see cref="GcsErrorMapper"/>.
/// Generations are object versions (<see cref="ObjectEntry.Version"/>); the source mtime travels as
/// the custom metadata "mtime". Split by concern: listing, reading, writing (simple and resumable),
/// rewriting, deleting, versions.
/// </summary>
public sealed partial class GcsObjectStore : IObjectStore, IServerSideCopy, IConditionalDelete, IRunMaintenance
{
    /// <summary>The object fields HeavySync reads: a <c>fields</c> projection keeps answers small;
    /// of the custom metadata only the one key it uses (<c>a/b</c> selects a nested field).</summary>
    internal const string ObjectFields = "name,size,generation,md5Hash,crc32c,updated,metadata/" + GcsMetadata.Mtime;

    private readonly GcsConnection _connection;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly GcsStoreOptions _options;
    private readonly IRequestObserver _observer;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly string _side;
    private readonly string? _userProject;
    private readonly RejectedWrites _rejectedWrites = new();

    private GcsObjectStore(GcsConnection connection, StoreLocation location, GcsStoreOptions options, StoreSide? side, IRequestObserver observer, ILogger logger, TimeProvider timeProvider)
    {
        _connection = connection;
        _bucket = location.Bucket;
        _prefix = location.Prefix;
        Location = location.Canonical;
        _options = options;
        _side = side switch { StoreSide.Source => "source ", StoreSide.Destination => "destination ", _ => string.Empty };
        _userProject = options.RequesterPays
            ? connection.ProjectId ?? throw new StoreException(
                StoreErrorKind.Fatal,
                $"requester pays for gs://{location.Bucket} needs a project to bill: set GOOGLE_CLOUD_PROJECT (or use a service account key that names one)")
            : null;
        _observer = observer;
        _logger = logger;
        _pipeline = StoreRetry.Create(
            new StoreRetryOptions(options.MaxAttempts, options.RetryBaseDelay, options.RetryMaxDelay)
            {
                // Retries and throttling reach the metrics as S3's do.
                OnRetry = failure => observer.OnRetry(Location, failure.Kind),
            },
            timeProvider);
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; private set; } = new();

    /// <summary>The project billed for this store's requests (requester pays), or null when the bucket's owner pays.</summary>
    public string? UserProject => _userProject;

    /// <summary>
    /// Opens the bucket: resolves endpoint and credentials, then lists one object (proving the bucket
    /// exists and may be read) and reads the bucket's versioning. A missing bucket, rejected or absent
    /// credentials are <see cref="StoreErrorKind.Fatal"/> with a one-line cause.
    /// </summary>
    /// <param name="location">A gs:// location.</param>
    /// <param name="settings">The location's settings (endpoint).</param>
    /// <param name="options">Tuning; null for the defaults.</param>
    /// <param name="observer">Receives request counts and throttling; null for none.</param>
    /// <param name="logger">Logs; null for none.</param>
    /// <param name="credential">Explicit credentials; null for application default credentials (none for an emulator).</param>
    /// <param name="timeProvider">Clock for retries; null for the system clock.</param>
    /// <param name="side">Which side of a job the store serves (named in its errors); null when neither.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<GcsObjectStore> OpenAsync(
        StoreLocation location,
        LocationSettings settings,
        GcsStoreOptions? options = null,
        IRequestObserver? observer = null,
        ILogger? logger = null,
        GoogleCredential? credential = null,
        TimeProvider? timeProvider = null,
        StoreSide? side = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(settings);
        var connection = await GcsConnection.CreateAsync(settings, credential, cancellationToken).ConfigureAwait(false);
        return await OpenAsync(connection, location, options, side, observer, logger, timeProvider, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a store over an existing connection, which it then owns (disposed with the store,
    /// or here when the open fails).</summary>
    internal static async Task<GcsObjectStore> OpenAsync(
        GcsConnection connection,
        StoreLocation location,
        GcsStoreOptions? options,
        StoreSide? side,
        IRequestObserver? observer,
        ILogger? logger,
        TimeProvider? timeProvider,
        CancellationToken cancellationToken)
    {
        try
        {
            if (location.Scheme != LocationScheme.Gcs)
            {
                throw new ArgumentException($"not a gs:// location: {location}", nameof(location));
            }

            options ??= new GcsStoreOptions();
            options.Validate();
            var store = new GcsObjectStore(connection, location, options, side, observer ?? NullRequestObserver.Instance, logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
            await store.ProbeBucketAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    private string FullKey(string key) => _prefix + key;

    private string RelativeKey(string fullKey) =>
        fullKey.StartsWith(_prefix, StringComparison.Ordinal) ? fullKey[_prefix.Length..] : fullKey;

    private string Describe(string operation, string key) => $"{operation} gs://{_bucket}/{FullKey(key)}";

    private string BucketPath(string bucket) => $"{_connection.Root}/storage/v1/b/{Uri.EscapeDataString(bucket)}";

    private Uri BucketUri(string query) => new($"{BucketPath(_bucket)}{Query(query)}");

    private Uri ObjectsUri(string query) => new($"{BucketPath(_bucket)}/o{Query(query)}");

    private Uri ObjectUri(string key, string query) => ObjectUri(_bucket, FullKey(key), query);

    private Uri ObjectUri(string bucket, string fullKey, string query) =>
        new($"{BucketPath(bucket)}/o/{Uri.EscapeDataString(fullKey)}{Query(query)}");

    private Uri UploadUri(string query) => new($"{_connection.Root}/upload/storage/v1/b/{Uri.EscapeDataString(_bucket)}/o{Query(query)}");

    /// <summary>"?query", with the billed project appended for requester pays (every JSON API
    /// request but a resumable session's chunks, whose session URI carries what they need).</summary>
    private string Query(string query)
    {
        if (_userProject is not null)
        {
            query = (query.Length > 0 ? query + "&" : string.Empty) + "userProject=" + Uri.EscapeDataString(_userProject);
        }

        return query.Length > 0 ? "?" + query : string.Empty;
    }

    /// <summary>
    /// Sends one request through the retry pipeline: counted per attempt, failures classified,
    /// throttling reported. <paramref name="read"/> consumes the answer inside the attempt (so a body
    /// cut short is retried) unless it takes ownership of the response.
    /// </summary>
    /// <param name="operation">One of <see cref="RequestOperations"/>.</param>
    /// <param name="what">Description for messages.</param>
    /// <param name="build">Builds a fresh request per attempt.</param>
    /// <param name="read">Reads a successful answer.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="accept">Which statuses count as answers (default: 2xx).</param>
    /// <param name="retry">False for one attempt only (callers with their own retry around several requests).</param>
    /// <param name="ownsResponse">True when <paramref name="read"/> keeps the response (downloads): it is then neither disposed nor bound to the request deadline.</param>
    private async Task<T> SendAsync<T>(
        string operation,
        string what,
        Func<HttpRequestMessage> build,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken,
        Func<HttpStatusCode, bool>? accept = null,
        bool ownsResponse = false,
        bool retry = true) =>
        await (retry ? _pipeline : ResiliencePipeline.Empty).ExecuteAsync(
            async token =>
            {
                _observer.OnRequest(Location, operation);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(_options.RequestTimeout);
                HttpResponseMessage? response = null;
                try
                {
                    using var request = build();
                    response = await _connection.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                    if (!(accept?.Invoke(response.StatusCode) ?? response.IsSuccessStatusCode))
                    {
                        throw GcsErrorMapper.MapStatus(response.StatusCode, await ReadReasonAsync(response, deadline.Token).ConfigureAwait(false), what, response.Headers.RetryAfter);
                    }

                    var result = await read(response, ownsResponse ? token : deadline.Token).ConfigureAwait(false);
                    if (ownsResponse)
                    {
                        response = null;
                    }

                    return result;
                }
                catch (Exception ex) when ((ex as StoreException ?? GcsErrorMapper.MapException(ex, what, token)) is { } mapped)
                {
                    if (mapped.Kind == StoreErrorKind.Throttled)
                    {
                        _observer.OnThrottled(Location);
                    }

                    if (mapped.IsRetryable)
                    {
                        LogRetryable(_logger, what, mapped.Kind, mapped.Message);
                    }

                    if (ReferenceEquals(mapped, ex))
                    {
                        throw;
                    }

                    throw mapped;
                }
                finally
                {
                    response?.Dispose();
                }
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a request whose answer is one JSON document.</summary>
    private Task<T> SendJsonAsync<T>(string operation, string what, Func<HttpRequestMessage> build, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        SendAsync(operation, what, build, (response, token) => ReadJsonAsync(response, type, token), cancellationToken);

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException("empty JSON answer");
        }
    }

    /// <summary>The first error reason of a JSON error document; null when the body is not one.</summary>
    private static async Task<string?> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length == 0 || body.Length > 64 * 1024 || body[0] != (byte)'{')
            {
                return null;
            }

            var document = JsonSerializer.Deserialize(body, GcsJsonContext.Default.GcsErrorDocument);
            return document?.Error?.Errors?.FirstOrDefault()?.Reason;
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            return null;
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, HttpContent? content = null) =>
        new(method, uri) { Content = content, Version = HttpVersion.Version11 };

    [LoggerMessage(Level = LogLevel.Debug, Message = "{What} failed ({Kind}): {Cause}")]
    private static partial void LogRetryable(ILogger logger, string what, StoreErrorKind kind, string cause);
}
