using System.Globalization;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>Reads the <c>queue requests: OP N, OP N</c> line every cluster role prints at exit (the queue adapter's own count).</summary>
public static class QueueRequestLines
{
    private const string Prefix = "queue requests: ";

    /// <summary>Requests by operation in <paramref name="stdout"/>; empty when the process sent none.</summary>
    public static Dictionary<string, long> Parse(string stdout)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var line = stdout.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        if (line is null)
        {
            return counts;
        }

        foreach (var part in line[Prefix.Length..].Split(" (")[0].Split(", "))
        {
            var space = part.LastIndexOf(' ');
            counts[part[..space]] = long.Parse(part[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>The per-operation sum over several processes' outputs.</summary>
    public static Dictionary<string, long> Sum(IEnumerable<string> outputs)
    {
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (operation, count) in outputs.SelectMany(o => Parse(o)))
        {
            total[operation] = total.GetValueOrDefault(operation) + count;
        }

        return total;
    }
}
