using System.Globalization;
using System.Security.Cryptography;

namespace HeavySync.Hashing;

/// <summary>
/// The S3 multipart ETag: hex(MD5(concatenation of each part's binary MD5))-N for N parts, and the
/// part size choice that produces it. An S3 object uploaded in parts has this ETag instead of its
/// MD5, so it can only be compared with content split at the same part size.
/// </summary>
public static class MultipartETag
{
    /// <summary>One mebibyte: part sizes are chosen in whole MiB.</summary>
    public const long MiB = 1024L * 1024;

    /// <summary>S3's smallest part size (all parts but the last).</summary>
    public const long S3MinPartSizeBytes = 5 * MiB;

    /// <summary>S3's largest part size.</summary>
    public const long S3MaxPartSizeBytes = 5L * 1024 * MiB;

    /// <summary>S3's largest number of parts in one upload.</summary>
    public const int S3MaxParts = 10_000;

    /// <summary>S3's largest object size.</summary>
    public const long S3MaxObjectSizeBytes = 5L * 1024 * 1024 * MiB;

    /// <summary>The default smallest part size this tool uses, larger than S3's for fewer requests.</summary>
    public const long DefaultMinPartSizeBytes = 8 * MiB;

    /// <summary>The multipart ETag (lower-case hex, no quotes) of parts with these binary MD5s.</summary>
    /// <exception cref="ArgumentException">No parts, or a digest that is not 16 bytes.</exception>
    public static string Compute(IReadOnlyList<byte[]> partMd5s)
    {
        ArgumentNullException.ThrowIfNull(partMd5s);
        if (partMd5s.Count == 0)
        {
            throw new ArgumentException("A multipart upload has at least one part.", nameof(partMd5s));
        }

        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var partMd5 in partMd5s)
        {
            if (partMd5 is not { Length: 16 })
            {
                throw new ArgumentException("Every part MD5 must be 16 bytes.", nameof(partMd5s));
            }

            md5.AppendData(partMd5);
        }

        return Convert.ToHexStringLower(md5.GetHashAndReset()) + "-" + partMd5s.Count.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The multipart ETag S3 would give <paramref name="content"/> (read to its end) uploaded in
    /// parts of <paramref name="partSizeBytes"/>. Empty content counts as one empty part.
    /// </summary>
    public static string ComputeForContent(Stream content, long partSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partSizeBytes);
        using var parts = new PartHasher(partSizeBytes);
        int read;
        while ((read = content.Read(parts.NextBuffer().Span)) > 0)
        {
            parts.Advance(read);
        }

        return parts.Finish();
    }

    /// <summary>The asynchronous form of <see cref="ComputeForContent"/>.</summary>
    public static async Task<string> ComputeForContentAsync(Stream content, long partSizeBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partSizeBytes);
        using var parts = new PartHasher(partSizeBytes);
        int read;
        while ((read = await content.ReadAsync(parts.NextBuffer(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            parts.Advance(read);
        }

        return parts.Finish();
    }

    /// <summary>
    /// Whether an ETag (quoted or not) has the multipart form <c>&lt;32 hex&gt;-&lt;N&gt;</c>, meaning it is
    /// not the object's MD5.
    /// </summary>
    public static bool IsMultipart(string? etag)
    {
        if (string.IsNullOrEmpty(etag))
        {
            return false;
        }

        var value = etag.AsSpan().Trim('"');
        var dash = value.IndexOf('-');
        return dash == 32
            && IsHex(value[..32])
            && int.TryParse(value[33..], NumberStyles.None, CultureInfo.InvariantCulture, out var parts)
            && parts > 0;
    }

    /// <summary>
    /// The smallest part size, in whole MiB and at least <paramref name="minPartSizeBytes"/> (and S3's
    /// 5 MiB), that splits <paramref name="objectSizeBytes"/> into at most <paramref name="maxParts"/> parts.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The object is larger than S3's 5 TiB, or no part size within S3's 5 GiB limit fits.
    /// </exception>
    public static long ChoosePartSize(long objectSizeBytes, long minPartSizeBytes = DefaultMinPartSizeBytes, int maxParts = S3MaxParts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(objectSizeBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objectSizeBytes, S3MaxObjectSizeBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minPartSizeBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minPartSizeBytes, S3MaxPartSizeBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxParts);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxParts, S3MaxParts);

        var floor = Math.Max(minPartSizeBytes, S3MinPartSizeBytes);
        var needed = Math.Max(floor, CeilingDivide(objectSizeBytes, maxParts));
        var partSize = CeilingDivide(needed, MiB) * MiB;
        if (partSize > S3MaxPartSizeBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxParts),
                maxParts,
                $"{objectSizeBytes} bytes in at most {maxParts} parts needs parts over S3's 5 GiB limit.");
        }

        return partSize;
    }

    private static long CeilingDivide(long value, long divisor) => (value + divisor - 1) / divisor;

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
