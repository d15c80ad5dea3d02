using System.Buffers;
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
    // Longest decimal long (with sign) and the longest fixed part of any token ("crc32c:" + 8 hex
    // digits, "mtime:" + a long), plus ':' and '@'.
    private const int FixedPartsLength = 20 + 1 + 26 + 1;

    /// <summary>The fingerprint of an entry.</summary>
    public static string Of(ObjectEntry entry)
    {
        var length = MaxLength(entry);
        char[]? rented = null;
        Span<char> buffer = length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            return new string(buffer[..Format(entry, buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The most characters <see cref="Format"/> writes for <paramref name="entry"/>.</summary>
    public static int MaxLength(ObjectEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return FixedPartsLength + Math.Max(entry.ETag?.Length ?? 0, entry.Md5?.Length ?? 0) + (entry.Version?.Length ?? 0);
    }

    /// <summary>
    /// Writes the fingerprint of <paramref name="entry"/> (the same characters as <see cref="Of"/>)
    /// into <paramref name="destination"/>, which holds at least <see cref="MaxLength"/> characters,
    /// and returns how many it wrote: for writers that encode it without a string per entry.
    /// </summary>
    public static int Format(ObjectEntry entry, Span<char> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MaxLength(entry), nameof(destination));
        entry.Size.TryFormat(destination, out var n, default, CultureInfo.InvariantCulture);
        destination[n++] = ':';
        int written;
        if (!string.IsNullOrEmpty(entry.ETag))
        {
            n += Append(destination[n..], "etag:", entry.ETag);
        }
        else if (!string.IsNullOrEmpty(entry.Md5))
        {
            n += Append(destination[n..], "md5:", entry.Md5);
        }
        else if (entry.Crc32c is { } crc)
        {
            n += Append(destination[n..], "crc32c:", string.Empty);
            crc.TryFormat(destination[n..], out written, "x8", CultureInfo.InvariantCulture);
            n += written;
        }
        else if (entry.LastModified is { } mtime)
        {
            n += Append(destination[n..], "mtime:", string.Empty);
            UnixTicks(mtime).TryFormat(destination[n..], out written, default, CultureInfo.InvariantCulture);
            n += written;
        }
        else
        {
            n += Append(destination[n..], "none", string.Empty);
        }

        if (!string.IsNullOrEmpty(entry.Version))
        {
            n += Append(destination[n..], "@", entry.Version);
        }

        return n;
    }

    /// <summary>100-nanosecond ticks since the Unix epoch (the unit manifests store mtimes in).</summary>
    public static long UnixTicks(DateTimeOffset time) => time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>The inverse of <see cref="UnixTicks"/>.</summary>
    public static DateTimeOffset FromUnixTicks(long ticks) => new(DateTimeOffset.UnixEpoch.UtcTicks + ticks, TimeSpan.Zero);

    private static int Append(Span<char> destination, string prefix, string value)
    {
        prefix.CopyTo(destination);
        value.CopyTo(destination[prefix.Length..]);
        return prefix.Length + value.Length;
    }
}
