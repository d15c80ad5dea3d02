using System.Globalization;
using HeavySync.Cli.Commands;

namespace HeavySync.Cli.Configuration;

/// <summary>Parses sizes such as "5MiB", "16M", "1GiB", "4096" (bytes; K/M/G/T are binary multiples).</summary>
internal static class SizeParser
{
    public static long Parse(string text, string setting)
    {
        var t = text.Trim();
        var split = t.Length;
        while (split > 0 && char.IsAsciiLetter(t[split - 1]))
        {
            split--;
        }

        var unit = t[split..].ToUpperInvariant().Replace("IB", string.Empty, StringComparison.Ordinal).TrimEnd('B');
        long multiplier = unit switch
        {
            "" => 1,
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            "T" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0 || !double.TryParse(t[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw new UsageException($"setting '{setting}' must be a size like 16MiB, not '{text}'");
        }

        return (long)(n * multiplier);
    }
}
