using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// How logs are written to the console (<c>log_format</c>, <c>--log-format</c>,
/// <c>HEAVYSYNC_LOG_FORMAT</c>): <c>text</c>, one short line a record for people, or <c>json</c>,
/// one JSON object a line for a cluster's log collector, with the scopes: the trace and span ids of
/// the span the record was written in (so a log line leads to its trace) and the job and run of
/// the work.
/// </summary>
internal sealed record ConsoleLogFormat(bool Json)
{
    /// <summary>The format the settings ask for; anything but text or json is a usage error.</summary>
    public static ConsoleLogFormat From(CliSettings settings)
    {
        var text = settings.GetString("log_format");
        return text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "text" => new ConsoleLogFormat(false),
            "json" => new ConsoleLogFormat(true),
            _ => throw new UsageException($"--log-format must be text or json, not '{text}'"),
        };
    }

    /// <summary>Adds the console logger in this format.</summary>
    public void AddConsole(ILoggingBuilder builder)
    {
        if (Json)
        {
            builder.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
            return;
        }

        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
    }
}
