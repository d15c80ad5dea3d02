using System.Globalization;
using HeavySync.SqsTestServer;

// Standalone: `dotnet HeavySync.SqsTestServer.dll [--port N]` (0 or absent: a free port). Prints one
// line, the base URL, once it accepts requests; runs until SIGINT / SIGTERM.
var port = 0;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 65535)
    {
        port = parsed;
        i++;
    }
    else
    {
        Console.Error.WriteLine($"usage: HeavySync.SqsTestServer [--port N]   (unknown argument: {args[i]})");
        return 2;
    }
}

await using var server = await SqsTestServerHost.StartAsync(port);
Console.WriteLine(server.Url);
Console.Out.Flush();
await server.WaitForShutdownAsync();
return 0;
