using System.Globalization;

namespace HeavySync.Storage;

/// <summary>
/// The text form of a source mtime that cloud stores keep as object metadata ("mtime"), as rclone
/// writes it: seconds since the epoch as a plain decimal with nine fraction digits
/// ("1700000000.123456789"; before 1970 "-0.100000000" is a tenth of a second before the epoch).
/// </summary>
public static class MtimeText
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>Formats a time; exact to the tick (100 ns).</summary>
    public static string Format(DateTimeOffset time)
    {
        // A plain decimal (sign, seconds, nine fraction digits), as rclone writes it: before 1970
        // "-0.100000000" means a tenth of a second before the epoch.
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var sign = ticks < 0 ? "-" : string.Empty;
        var seconds = Math.DivRem(Math.Abs(ticks), TicksPerSecond, out var rest);

        // Ticks are 100 ns: nine fractional digits, the last two always zero.
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{seconds}.{rest * 100:D9}");
    }

    /// <summary>Parses the text; null when absent, malformed or out of range.</summary>
    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var wholePart = dot < 0 ? text : text[..dot];
        if (!long.TryParse(wholePart, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            || seconds is < -62_135_596_800L or > 253_402_300_799L)
        {
            return null;
        }

        long ticks = 0;
        if (dot >= 0)
        {
            var fraction = text[(dot + 1)..];
            if (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit))
            {
                return null;
            }

            var padded = fraction.Length >= 7 ? fraction[..7] : fraction.PadRight(7, '0');
            ticks = long.Parse(padded, NumberStyles.None, CultureInfo.InvariantCulture);
            if (text.StartsWith('-'))
            {
                ticks = -ticks;
            }
        }

        return DateTimeOffset.UnixEpoch.AddTicks((seconds * TicksPerSecond) + ticks);
    }
}
