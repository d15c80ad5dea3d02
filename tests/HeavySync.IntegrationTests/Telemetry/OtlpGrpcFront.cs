using System.Buffers.Binary;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>
/// OTLP over gRPC in front of an <see cref="OtlpReceiver"/>: Kestrel speaking HTTP/2 without TLS on
/// 127.0.0.1, answering the three collector services' <c>Export</c> calls. A gRPC message is a
/// 5-byte prefix (compressed flag, big-endian length) and the same protobuf the HTTP receiver
/// decodes; the answer is an empty Export*ServiceResponse with <c>grpc-status: 0</c>.
/// </summary>
public sealed class OtlpGrpcFront : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Paths = new(StringComparer.Ordinal)
    {
        ["/opentelemetry.proto.collector.trace.v1.TraceService/Export"] = "/v1/traces",
        ["/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"] = "/v1/metrics",
        ["/opentelemetry.proto.collector.logs.v1.LogsService/Export"] = "/v1/logs",
    };

    private readonly WebApplication app;

    private OtlpGrpcFront(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    /// <summary>http://127.0.0.1:PORT (h2c): the OTEL_EXPORTER_OTLP_ENDPOINT for protocol grpc.</summary>
    public Uri Endpoint { get; }

    /// <summary>gRPC calls answered, by method path.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts a front that hands every export to <paramref name="receiver"/>.</summary>
    public static async Task<OtlpGrpcFront> StartAsync(OtlpReceiver receiver)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        OtlpGrpcFront? front = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var frame = body.ToArray();
            if (!Paths.TryGetValue(context.Request.Path.Value ?? string.Empty, out var path) || frame.Length < 5 || frame[0] != 0
                || BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1, 4)) != frame.Length - 5
                || !receiver.Accept(path, frame[5..]))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            front!.Calls.AddOrUpdate(context.Request.Path.Value!, 1, (_, n) => n + 1);
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5]);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync();
        front = new OtlpGrpcFront(app, new Uri(app.Urls.First()));
        return front;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
