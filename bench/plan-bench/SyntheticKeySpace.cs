using System.Globalization;
using HeavySync.Storage;

namespace HeavySync.Bench.Plan;

/// <summary>
/// A deterministic pair of listings, computed from a key's index alone so nothing is ever held in
/// memory. Index u runs over [0, <see cref="Universe"/>) with Universe = N × 101 / 100, so each side
/// has N keys: u % 101 == 17 exists only at the source, u % 101 == 59 only at the destination, every
/// other key on both sides. Of the common keys 10% differ at the destination: u % 20 == 3 by size
/// and content, u % 20 == 13 by content of the same size. Entries look like an S3 listing of
/// single-part uploads (ETag = MD5, size, LastModified).
/// </summary>
internal sealed class SyntheticKeySpace
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A key space with <paramref name="objectsPerSide"/> keys per side (a multiple of 100).</summary>
    public SyntheticKeySpace(int objectsPerSide)
    {
        if (objectsPerSide <= 0 || objectsPerSide % 100 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(objectsPerSide), objectsPerSide, "a positive multiple of 100");
        }

        ObjectsPerSide = objectsPerSide;
        Universe = objectsPerSide / 100 * 101;
    }

    /// <summary>Keys per side.</summary>
    public int ObjectsPerSide { get; }

    /// <summary>Number of distinct keys over both sides.</summary>
    public int Universe { get; }

    /// <summary>Only the source has this key.</summary>
    public static bool SourceOnly(int u) => u % 101 == 17;

    /// <summary>Only the destination has this key.</summary>
    public static bool DestinationOnly(int u) => u % 101 == 59;

    /// <summary>Both sides have the key, with different content.</summary>
    public static bool Changed(int u) => !SourceOnly(u) && !DestinationOnly(u) && u % 10 == 3;

    /// <summary>The key of index <paramref name="u"/>: ~50 bytes, ascending in u both as numbers and as UTF-8 bytes.</summary>
    public static string Key(int u) =>
        string.Create(CultureInfo.InvariantCulture, $"datasets/part-{u / 10_000:D4}/shard-{u / 100:D6}/frame-{u:D8}.jpg");

    /// <summary>The index of a key made by <see cref="Key"/> (for resuming after it).</summary>
    public static int IndexOf(string key) => int.Parse(key.AsSpan(key.Length - 12, 8), CultureInfo.InvariantCulture);

    /// <summary>The source's entry for <paramref name="u"/>, or null when the source lacks the key.</summary>
    public static ObjectEntry? Source(int u) => DestinationOnly(u) ? null : Make(u, Size(u), 0, TimeSpan.Zero);

    /// <summary>The destination's entry for <paramref name="u"/>, or null when the destination lacks the key.</summary>
    public static ObjectEntry? Destination(int u)
    {
        if (SourceOnly(u))
        {
            return null;
        }

        // An earlier copy: the same bytes a minute later, unless the source changed since.
        var later = TimeSpan.FromMinutes(1);
        return DestinationOnly(u) ? Make(u, Size(u), 2, later)
            : u % 20 == 3 ? Make(u, Size(u) + 1_000, 1, later)
            : u % 20 == 13 ? Make(u, Size(u), 1, later)
            : Make(u, Size(u), 0, later);
    }

    private static ObjectEntry Make(int u, long size, int variant, TimeSpan age)
    {
        var md5 = Md5Like(u, variant);
        return new ObjectEntry(Key(u), size) { ETag = md5, Md5 = md5, LastModified = Epoch.AddSeconds(u) + age };
    }

    private static long Size(int u) => 1_024 + (long)(Mix((ulong)u) % (8UL << 20));

    /// <summary>32 hex digits that stand in for the MD5 of content variant <paramref name="variant"/> of key u.</summary>
    private static string Md5Like(int u, int variant)
    {
        var a = Mix(((ulong)u << 2) | (uint)variant);
        var b = Mix(a);
        return string.Create(CultureInfo.InvariantCulture, $"{a:x16}{b:x16}");
    }

    /// <summary>SplitMix64's finaliser: a cheap, well-spread hash.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
