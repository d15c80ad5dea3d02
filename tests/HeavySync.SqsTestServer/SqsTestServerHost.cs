using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeavySync.SqsTestServer;

/// <summary>
/// The SQS test server: Kestrel on 127.0.0.1, one POST endpoint speaking the AWS JSON 1.0 protocol
/// (<c>X-Amz-Target: AmazonSQS.ACTION</c>). Queues live in memory. Requests are counted by action
/// (<see cref="RequestCounts"/>); <see cref="Faults"/> injects failures for client tests.
/// </summary>
public sealed class SqsTestServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SqsTestServerHost(WebApplication app, string url, QueueStore store, SqsFaultInjection faults, ConcurrentDictionary<string, long> counts)
    {
        _app = app;
        Url = url;
        Store = store;
        Faults = faults;
        RequestCounts = counts;
    }

    /// <summary>Base URL, e.g. http://127.0.0.1:40123 (queue URLs are URL/ACCOUNT/NAME).</summary>
    public string Url { get; }

    /// <summary>The queues.</summary>
    public QueueStore Store { get; }

    /// <summary>Test-only fault injection: nothing happens unless a test plans a fault.</summary>
    public SqsFaultInjection Faults { get; }

    /// <summary>Requests received, by action name, whatever their outcome.</summary>
    public ConcurrentDictionary<string, long> RequestCounts { get; }

    /// <summary>Requests of one action received so far.</summary>
    public long CountOf(string action) => RequestCounts.TryGetValue(action, out var n) ? n : 0;

    /// <summary>Starts a server on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<SqsTestServerHost> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var faults = new SqsFaultInjection();
        var counts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var store = new QueueStore(() => ResolveUrl(app));
        var handler = new SqsRequestHandler(store, faults, counts);
        app.MapPost("/", handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new SqsTestServerHost(app, ResolveUrl(app), store, faults, counts);
    }

    /// <summary>Completes when the host is asked to stop (SIGINT / SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string ResolveUrl(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.TrimEnd('/');
    }
}
