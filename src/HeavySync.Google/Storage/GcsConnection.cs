using System.Net;
using Google.Apis.Auth.OAuth2;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// Where and as whom a GCS store talks: the endpoint (the location's endpoint setting, else
/// <c>STORAGE_EMULATOR_HOST</c>, else https://storage.googleapis.com), the credentials
/// (application default credentials: <c>GOOGLE_APPLICATION_CREDENTIALS</c>, gcloud's user
/// credentials, the metadata server / workload identity; none for an emulator unless credentials are
/// configured explicitly: a credential file, or a metadata server named by <c>GCE_METADATA_HOST</c>)
/// and the project billed for requester-pays buckets (<c>GOOGLE_CLOUD_PROJECT</c>, else the service
/// account's).
/// </summary>
internal sealed class GcsConnection : IDisposable
{
    /// <summary>Cloud Storage's own endpoint.</summary>
    public const string DefaultEndpoint = "https://storage.googleapis.com";

    private const string Scope = "https://www.googleapis.com/auth/devstorage.read_write";

    private GcsConnection(Uri baseUri, HttpClient http, string identity, string? projectId)
    {
        BaseUri = baseUri;
        Http = http;
        Identity = identity;
        ProjectId = projectId;
    }

    /// <summary>The endpoint.</summary>
    public Uri BaseUri { get; }

    /// <summary>The endpoint as text without a trailing slash, to prefix API paths with (a Uri
    /// prints a bare host with a trailing slash, which would double the path's first slash).</summary>
    public string Root => BaseUri.AbsoluteUri.TrimEnd('/');

    /// <summary>The authorised client (no timeout of its own: every call brings its deadline).</summary>
    public HttpClient Http { get; }

    /// <summary>Endpoint plus credential identity: stores with equal identities can rewrite between them.</summary>
    public string Identity { get; }

    /// <summary>The project to bill for requester-pays buckets (<see cref="GcsStoreOptions.RequesterPays"/>), when known.</summary>
    public string? ProjectId { get; }

    /// <summary>Resolves endpoint, credentials and project. No credentials found (outside an
    /// emulator) is <see cref="StoreErrorKind.Fatal"/>.</summary>
    /// <param name="settings">The location's settings (endpoint).</param>
    /// <param name="credential">Explicit credentials; null resolves them as described on the class.</param>
    /// <param name="cancellationToken">Cancels the resolution (the metadata server probe).</param>
    public static async Task<GcsConnection> CreateAsync(LocationSettings settings, GoogleCredential? credential, CancellationToken cancellationToken)
    {
        var emulator = Environment.GetEnvironmentVariable("STORAGE_EMULATOR_HOST");
        var endpoint = ResolveEndpoint(settings.Endpoint, emulator);
        // An emulator takes requests without credentials, unless some are configured explicitly (a
        // key file, or a metadata server named by GCE_METADATA_HOST, Google.Apis.Auth's override).
        var anonymous = credential is null
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GCE_METADATA_HOST"))
            && IsEmulator(endpoint, settings.Endpoint, emulator);
        var projectId = Environment.GetEnvironmentVariable("GOOGLE_CLOUD_PROJECT");
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 256,
            AutomaticDecompression = DecompressionMethods.None,

            // A resumable upload answers 308 for "resume incomplete": an answer, never a redirect.
            AllowAutoRedirect = false,
        };
        if (anonymous)
        {
            return new GcsConnection(endpoint, new HttpClient(sockets) { Timeout = Timeout.InfiniteTimeSpan }, $"{endpoint}|anonymous", projectId);
        }

        try
        {
            credential ??= await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            sockets.Dispose();
            throw new StoreException(
                StoreErrorKind.Fatal,
                "no Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS, run 'gcloud auth application-default login', or run on Google Cloud",
                ex);
        }

        if (credential.IsCreateScopedRequired)
        {
            credential = credential.CreateScoped(Scope);
        }

        projectId ??= (credential.UnderlyingCredential as ServiceAccountCredential)?.ProjectId;
        var account = (credential.UnderlyingCredential as ServiceAccountCredential)?.Id ?? credential.UnderlyingCredential.GetType().Name;
        var client = new HttpClient(new GcsAuthHandler(credential, sockets)) { Timeout = Timeout.InfiniteTimeSpan };
        return new GcsConnection(endpoint, client, $"{endpoint}|{account}", projectId);
    }

    /// <summary>A connection over <paramref name="transport"/> without credentials (tests inject faults through it).</summary>
    internal static GcsConnection ForTransport(Uri endpoint, HttpMessageHandler transport, string? projectId = null) =>
        new(endpoint, new HttpClient(transport) { Timeout = Timeout.InfiniteTimeSpan }, $"{endpoint}|transport", projectId);

    /// <summary>The endpoint to use: the setting, else the emulator host (a bare host:port gets http://), else Google's.</summary>
    public static Uri ResolveEndpoint(string? setting, string? emulatorHost)
    {
        var text = !string.IsNullOrWhiteSpace(setting) ? setting
            : !string.IsNullOrWhiteSpace(emulatorHost) ? emulatorHost
            : DefaultEndpoint;
        text = text.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new StoreException(StoreErrorKind.Fatal, $"not a usable GCS endpoint: '{text}'");
        }

        return uri;
    }

    /// <summary>An emulator: named by STORAGE_EMULATOR_HOST, or a plain-http endpoint (Google serves only https).</summary>
    private static bool IsEmulator(Uri endpoint, string? setting, string? emulatorHost) =>
        (string.IsNullOrWhiteSpace(setting) && !string.IsNullOrWhiteSpace(emulatorHost)) || endpoint.Scheme == Uri.UriSchemeHttp;

    /// <inheritdoc />
    public void Dispose() => Http.Dispose();
}
