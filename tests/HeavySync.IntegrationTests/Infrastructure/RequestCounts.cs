using System.Globalization;

namespace HeavySync.IntegrationTests.Infrastructure;

/// <summary>
/// The summary's "requests: LIST 2, HEAD 50, COPY 50 (3 throttled)" line as exact counts, so a test
/// asserting "COPY 50" cannot be satisfied by "COPY 500".
/// </summary>
public static class RequestCounts
{
    /// <summary>Requests by operation from the last "requests:" line of <paramref name="stdout"/>; empty when there is none.</summary>
    public static IReadOnlyDictionary<string, long> Parse(string stdout)
    {
        var line = stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("requests: ", StringComparison.Ordinal));
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (line is null)
        {
            return counts;
        }

        var body = line["requests: ".Length..];
        var throttled = body.IndexOf(" (", StringComparison.Ordinal);
        foreach (var item in (throttled < 0 ? body : body[..throttled]).Split(", "))
        {
            var parts = item.Split(' ');
            counts[parts[0]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>How many <paramref name="operation"/> requests the run made (0 when it made none).</summary>
    public static long Of(string stdout, string operation) => Parse(stdout).GetValueOrDefault(operation);
}
