using System.Security.Cryptography;

namespace HeavySync.Aws.S3;

/// <summary>S3's multipart ETag (MD5 of the concatenated part MD5s, then "-" and the part count)
/// and the part-size choice that keeps an object within the part limit.</summary>
internal static class S3MultipartETag
{
    public static string Compute(IReadOnlyList<byte[]> partMd5s)
    {
        var all = new byte[partMd5s.Count * 16];
        for (var i = 0; i < partMd5s.Count; i++)
        {
            partMd5s[i].CopyTo(all, i * 16);
        }

        return Convert.ToHexStringLower(MD5.HashData(all)) + "-" + partMd5s.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Smallest part size at least <paramref name="minPart"/>, rounded up to whole MiB when
    /// it grows, that fits <paramref name="size"/> in <paramref name="maxParts"/> parts.</summary>
    public static long ChoosePartSize(long size, long minPart, int maxParts)
    {
        var needed = (size + maxParts - 1) / maxParts;
        if (needed <= minPart)
        {
            return minPart;
        }

        const long MiB = 1024 * 1024;
        return (needed + MiB - 1) / MiB * MiB;
    }
}
