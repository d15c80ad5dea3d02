using System.Globalization;
using HeavySync.Storage;

namespace HeavySync.Planning;

/// <summary>
/// The identity of one object's content as a store shows it: size, then the strongest token the
/// listing gives (ETag, else MD5, else CRC32C, else mtime), then the version where there is one.
/// Two equal fingerprints of the same key mean "the same object as before". The SQL planners store
/// this string per manifest row, so its format is persisted: change it only with a migration.
/// </summary>
public static class Fingerprint
{
    /// <summary>The fingerprint of an entry.</summary>
    public static string Of(ObjectEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var size = entry.Size.ToString(CultureInfo.InvariantCulture);
        string token;
        if (!string.IsNullOrEmpty(entry.ETag))
        {
            token = "etag:" + entry.ETag;
        }
        else if (!string.IsNullOrEmpty(entry.Md5))
        {
            token = "md5:" + entry.Md5;
        }
        else if (entry.Crc32c is { } crc)
        {
            token = "crc32c:" + crc.ToString("x8", CultureInfo.InvariantCulture);
        }
        else if (entry.LastModified is { } mtime)
        {
            token = "mtime:" + UnixTicks(mtime).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            token = "none";
        }

        return string.IsNullOrEmpty(entry.Version) ? $"{size}:{token}" : $"{size}:{token}@{entry.Version}";
    }

    /// <summary>100-nanosecond ticks since the Unix epoch (the unit manifests store mtimes in).</summary>
    public static long UnixTicks(DateTimeOffset time) => time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>The inverse of <see cref="UnixTicks"/>.</summary>
    public static DateTimeOffset FromUnixTicks(long ticks) => new(DateTimeOffset.UnixEpoch.UtcTicks + ticks, TimeSpan.Zero);
}
