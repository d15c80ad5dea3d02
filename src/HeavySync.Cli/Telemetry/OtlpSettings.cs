using HeavySync.Cli.Commands;
using OpenTelemetry.Exporter;

namespace HeavySync.Cli.Telemetry;

/// <summary>Where one signal goes.</summary>
/// <param name="Endpoint">The full URL the exporter posts to (with <c>/v1/traces</c> etc. for HTTP).</param>
/// <param name="Protocol">HTTP/protobuf or gRPC.</param>
internal sealed record OtlpTarget(Uri Endpoint, OtlpExportProtocol Protocol);

/// <summary>
/// OTLP export as the OpenTelemetry environment variables ask for it (the SDK's specification):
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> for every signal, or <c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c>
/// per signal (used as given); <c>OTEL_EXPORTER_OTLP[_SIGNAL]_PROTOCOL</c> <c>http/protobuf</c> (default)
/// or <c>grpc</c>; <c>OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none</c> turns a signal off, as does
/// <c>OTEL_SDK_DISABLED=true</c> everything. A signal without an endpoint is not exported.
/// Headers, timeouts and batch sizes (<c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_BSP_*</c>, ...) are read by the exporter itself.
/// </summary>
internal sealed record OtlpSettings(OtlpTarget? Traces, OtlpTarget? Metrics, OtlpTarget? Logs)
{
    /// <summary>True when any signal is exported.</summary>
    public bool Any => Traces is not null || Metrics is not null || Logs is not null;

    /// <summary>Reads the variables through <paramref name="environment"/>; a malformed one is a <see cref="UsageException"/>.</summary>
    public static OtlpSettings FromEnvironment(Func<string, string?> environment)
    {
        if (string.Equals(Get(environment, "OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return new OtlpSettings(null, null, null);
        }

        return new OtlpSettings(
            Target(environment, "TRACES", "v1/traces"),
            Target(environment, "METRICS", "v1/metrics"),
            Target(environment, "LOGS", "v1/logs"));
    }

    private static OtlpTarget? Target(Func<string, string?> environment, string signal, string httpPath)
    {
        if (string.Equals(Get(environment, $"OTEL_{signal}_EXPORTER"), "none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var protocol = Protocol(Get(environment, $"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") ?? Get(environment, "OTEL_EXPORTER_OTLP_PROTOCOL"));
        if (Get(environment, $"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT") is { } own)
        {
            return new OtlpTarget(Url(own, $"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"), protocol);
        }

        if (Get(environment, "OTEL_EXPORTER_OTLP_ENDPOINT") is not { } shared)
        {
            return null;
        }

        var root = Url(shared, "OTEL_EXPORTER_OTLP_ENDPOINT");

        // Over HTTP the shared endpoint is a base to which each signal adds its path; gRPC uses it as is.
        return protocol == OtlpExportProtocol.HttpProtobuf
            ? new OtlpTarget(new Uri(root.AbsoluteUri.TrimEnd('/') + "/" + httpPath), protocol)
            : new OtlpTarget(root, protocol);
    }

    private static OtlpExportProtocol Protocol(string? text) => text?.ToLowerInvariant() switch
    {
        null or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        "grpc" => OtlpExportProtocol.Grpc,
        _ => throw new UsageException($"OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or grpc, not '{text}'"),
    };

    private static Uri Url(string text, string variable) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new UsageException($"{variable} must be an http:// or https:// URL, not '{text}'");

    private static string? Get(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value ? value.Trim() : null;
}
