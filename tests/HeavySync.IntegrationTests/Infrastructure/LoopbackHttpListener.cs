using System.Net;
using System.Net.Sockets;

namespace HeavySync.IntegrationTests.Infrastructure;

/// <summary>Starts the in-test HTTP servers (fakes, the OTLP receiver, the GCS gaps layer) on a free
/// port of 127.0.0.1, and nowhere else.</summary>
public static class LoopbackHttpListener
{
    /// <summary>A started listener on a free loopback port, and that port. A port taken by another
    /// process between the probe and the bind is replaced by another, a few times.</summary>
    public static (HttpListener Listener, int Port) Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }
}
