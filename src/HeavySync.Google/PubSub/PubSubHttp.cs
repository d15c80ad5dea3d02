using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;

namespace HeavySync.Google.PubSub;

/// <summary>
/// Builds the HTTP client of a queue: plain HTTP without credentials for an emulator; otherwise
/// Google.Apis' <see cref="ConfigurableHttpClient"/> authorised with Application Default
/// Credentials (<c>GOOGLE_APPLICATION_CREDENTIALS</c>, gcloud's user credentials, Workload
/// Identity, the metadata server), scoped for Pub/Sub and read-only Cloud Monitoring.
/// </summary>
internal static class PubSubHttp
{
    /// <summary>Scopes: Pub/Sub itself, and Cloud Monitoring for the backlog count.</summary>
    public static readonly string[] Scopes =
    [
        "https://www.googleapis.com/auth/pubsub",
        "https://www.googleapis.com/auth/monitoring.read",
    ];

    /// <summary>
    /// Creates the client. Throws <see cref="HeavySync.Storage.StoreException"/> (fatal) when no
    /// Application Default Credentials can be found outside emulator mode.
    /// </summary>
    public static async Task<HttpClient> CreateAsync(PubSubQueueOptions options, CancellationToken cancellationToken)
    {
        if (options.UsesEmulator)
        {
            var handler = options.HttpHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            return new HttpClient(handler, disposeHandler: options.HttpHandler is null) { Timeout = Timeout.InfiniteTimeSpan };
        }

        GoogleCredential credential;
        try
        {
            credential = (await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false)).CreateScoped(Scopes);
        }
        catch (InvalidOperationException ex)
        {
            // What GetApplicationDefaultAsync throws when it finds nothing; its message names the places it looked.
            throw new HeavySync.Storage.StoreException(
                HeavySync.Storage.StoreErrorKind.Fatal,
                "pubsub: no Google credentials (set GOOGLE_APPLICATION_CREDENTIALS, or PUBSUB_EMULATOR_HOST for an emulator)",
                ex);
        }

        var factory = new HandlerFactory(options.HttpHandler);
        var client = factory.CreateHttpClient(new CreateHttpClientArgs
        {
            ApplicationName = "heavysync",
            GZipEnabled = true,
            Initializers = { credential },
        });
        client.Timeout = Timeout.InfiniteTimeSpan;
        return client;
    }

    /// <summary>Google.Apis' factory, with the innermost handler replaced when the options give one.</summary>
    private sealed class HandlerFactory(HttpMessageHandler? inner) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) =>
            inner ?? base.CreateHandler(args);
    }
}
