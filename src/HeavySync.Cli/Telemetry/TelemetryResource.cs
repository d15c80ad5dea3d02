using System.Reflection;
using OpenTelemetry.Resources;

namespace HeavySync.Cli.Telemetry;

/// <summary>
/// The resource every signal of a process carries: <c>service.name</c> <c>heavysync-ROLE</c>
/// unless <c>OTEL_SERVICE_NAME</c> (or <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>)
/// says otherwise, the version, an instance id, the role, the job and run when known, and the
/// attributes of <c>OTEL_RESOURCE_ATTRIBUTES</c> (which win over ours, as the specification wants).
/// </summary>
internal static class TelemetryResource
{
    /// <summary>The service name of a role: <c>heavysync-sync</c>, <c>heavysync-copier</c>, ...</summary>
    public static string ServiceName(string role) => "heavysync-" + role;

    public static ResourceBuilder Create(string role, string? job, long? run, Func<string, string?> environment)
    {
        var fromEnvironment = ParseAttributes(environment("OTEL_RESOURCE_ATTRIBUTES"));
        var serviceName = environment("OTEL_SERVICE_NAME") is { Length: > 0 } named ? named
            : fromEnvironment.TryGetValue("service.name", out var attributed) ? attributed
            : ServiceName(role);
        var version = typeof(TelemetryResource).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var ours = new Dictionary<string, object>(StringComparer.Ordinal) { ["heavysync.role"] = role };
        if (job is not null)
        {
            ours["heavysync.job"] = job;
        }

        if (run is not null)
        {
            ours["heavysync.run"] = run.Value;
        }

        return ResourceBuilder.CreateEmpty()
            .AddService(serviceName, serviceVersion: version, autoGenerateServiceInstanceId: true)
            .AddTelemetrySdk()
            .AddAttributes(ours)
            .AddAttributes(fromEnvironment.Where(a => a.Key != "service.name").Select(a => new KeyValuePair<string, object>(a.Key, a.Value)));
    }

    /// <summary><c>key1=value1,key2=value2</c> with percent-encoded values; malformed pairs are skipped, as the specification allows.</summary>
    internal static Dictionary<string, string> ParseAttributes(string? text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            attributes[pair[..equals].Trim()] = Uri.UnescapeDataString(pair[(equals + 1)..].Trim());
        }

        return attributes;
    }
}
