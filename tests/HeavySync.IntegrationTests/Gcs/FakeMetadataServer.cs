using System.Collections.Concurrent;
using System.Net;
using System.Text;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>
/// TEST-ONLY stand-in for the Compute Engine metadata server (what GCE, GKE Workload Identity and
/// Cloud Run give a workload), on 127.0.0.1: every answer carries <c>Metadata-Flavor: Google</c>
/// (how a client tells the real server from a proxy), and the default service account's token
/// endpoint hands out <see cref="AccessToken"/> to requests that send <c>Metadata-Flavor: Google</c>.
/// Point Google.Apis.Auth at it with <c>GCE_METADATA_HOST</c>.
/// </summary>
public sealed class FakeMetadataServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<string> _paths = new();
    private readonly Task _loop;

    private FakeMetadataServer(HttpListener listener, int port, string accessToken)
    {
        _listener = listener;
        Host = $"127.0.0.1:{port}";
        AccessToken = accessToken;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>host:port, the value for GCE_METADATA_HOST.</summary>
    public string Host { get; }

    /// <summary>The token the server hands out.</summary>
    public string AccessToken { get; }

    /// <summary>Paths asked for, in order.</summary>
    public IReadOnlyList<string> Paths => _paths.ToArray();

    /// <summary>Token requests that carried the Metadata-Flavor header.</summary>
    public int TokenRequests => _paths.Count(p => p.StartsWith("/computeMetadata/v1/instance/service-accounts/default/token", StringComparison.Ordinal));

    /// <summary>Starts a server handing out <paramref name="accessToken"/>.</summary>
    public static FakeMetadataServer Start(string accessToken)
    {
        var (listener, port) = LoopbackHttpListener.Start();
        return new FakeMetadataServer(listener, port, accessToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Answer(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath ?? "/";
        var flavored = context.Request.Headers["Metadata-Flavor"] == "Google";
        _paths.Enqueue(flavored ? path : "(no Metadata-Flavor) " + path);
        var response = context.Response;
        response.AddHeader("Metadata-Flavor", "Google");
        string body;
        if (path.StartsWith("/computeMetadata/v1/instance/service-accounts/default/token", StringComparison.Ordinal))
        {
            if (!flavored)
            {
                response.StatusCode = 403;
                body = "Missing Metadata-Flavor header";
            }
            else
            {
                response.ContentType = "application/json";
                body = $"{{\"access_token\":\"{AccessToken}\",\"expires_in\":3599,\"token_type\":\"Bearer\"}}";
            }
        }
        else if (path == "/computeMetadata/v1/universe/universe-domain")
        {
            body = "googleapis.com";
        }
        else if (path == "/computeMetadata/v1/project/project-id")
        {
            body = "heavysync-metadata-project";
        }
        else
        {
            body = "computeMetadata/";
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }
}
