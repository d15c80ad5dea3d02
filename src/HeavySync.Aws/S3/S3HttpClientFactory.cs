using System.Net;
using Amazon.Runtime;

namespace HeavySync.Aws.S3;

/// <summary>
/// The S3 client's HTTP stack: the platform's <see cref="SocketsHttpHandler"/> (proxy from the
/// environment, pooled connections) behind <see cref="SmallBodyNoContinueHandler"/>, which drops
/// "Expect: 100-continue" from small uploads. The SDK asks for it on every PutObject and UploadPart;
/// for a body of a few kilobytes the extra exchange costs more than resending it on the rare
/// rejected request.
/// </summary>
internal sealed class S3HttpClientFactory : HttpClientFactory
{
    /// <summary>Bodies up to this size are sent without waiting for "100 Continue".</summary>
    public const long NoContinueMaxBytes = 1024 * 1024;

    /// <inheritdoc />
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var sockets = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = clientConfig.MaxConnectionsPerServer ?? int.MaxValue,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(new SmallBodyNoContinueHandler(sockets))
        {
            // Per-attempt deadlines come from the store's own RequestTimeout.
            Timeout = clientConfig.Timeout ?? Timeout.InfiniteTimeSpan,
        };
    }

    /// <inheritdoc />
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    /// <inheritdoc />
    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    /// <inheritdoc />
    public override string GetConfigUniqueString(IClientConfig clientConfig) => "heavysync-s3";

    /// <summary>Clears Expect: 100-continue on requests whose body is small.</summary>
    internal sealed class SmallBodyNoContinueHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.ExpectContinue == true && request.Content?.Headers.ContentLength is { } length && length <= NoContinueMaxBytes)
            {
                request.Headers.ExpectContinue = false;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
