using System.CommandLine;
using System.Globalization;
using System.Net;
using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// Where the copier serves <c>/healthz</c> and <c>/readyz</c>: <c>health_port</c> (default: no
/// server) and <c>health_address</c> (default 127.0.0.1; a pod sets 0.0.0.0 so the kubelet reaches it).
/// </summary>
/// <param name="Address">The address to bind.</param>
/// <param name="Port">The TCP port, 1 to 65535.</param>
internal sealed record HealthOptions(IPAddress Address, int Port)
{
    /// <summary>The address bound when none is given: loopback only.</summary>
    public static readonly IPAddress DefaultAddress = IPAddress.Loopback;

    /// <summary>Adds <c>--health-port</c> and <c>--health-address</c> to a role's options.</summary>
    public static void AddOptions(ClusterOptions cluster)
    {
        cluster.Bind(new Option<int?>("--health-port") { Description = "Serve /healthz (alive, workers not faulted) and /readyz (state and queue reachable) on this TCP port (default: no health server). [HEAVYSYNC_HEALTH_PORT]" }, "health_port");
        cluster.Bind(new Option<string?>("--health-address") { Description = "Address the health server binds (default 127.0.0.1; 0.0.0.0 in a pod, so the kubelet can probe it). [HEAVYSYNC_HEALTH_ADDRESS]" }, "health_address");
    }

    /// <summary>The configured endpoint, or null when no port is set. Bad values are usage errors.</summary>
    public static HealthOptions? From(CliSettings settings)
    {
        if (settings.GetString("health_port") is null)
        {
            return null;
        }

        var port = settings.GetInt("health_port", 0, 1, 65535);
        var text = settings.GetString("health_address");
        if (text is null)
        {
            return new HealthOptions(DefaultAddress, port);
        }

        return IPAddress.TryParse(text, out var address)
            ? new HealthOptions(address, port)
            : throw new UsageException($"--health-address: '{text}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)");
    }

    /// <summary>
    /// The HttpListener prefix: a wildcard host for an any-address bind (requests carry the pod IP
    /// as Host), else the literal address, which the listener binds alone.
    /// </summary>
    public string Prefix
    {
        get
        {
            var host = Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any)
                ? "+"
                : Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address.ToString();
            return string.Create(CultureInfo.InvariantCulture, $"http://{host}:{Port}/");
        }
    }
}
