using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

/// <summary>Part sizes for multipart uploads and copies.</summary>
internal static class S3PartSizing
{
    /// <summary>
    /// <see cref="MultipartETag.ChoosePartSize"/> for real S3 minimums; below S3's 5 MiB floor (only
    /// S3-compatible servers configured for it, such as the test radosgw) the configured minimum is
    /// honoured as is, so multipart paths can be exercised with small objects.
    /// </summary>
    public static long Choose(long objectSizeBytes, long minPartSizeBytes, int maxParts)
    {
        if (minPartSizeBytes >= MultipartETag.S3MinPartSizeBytes)
        {
            try
            {
                return MultipartETag.ChoosePartSize(objectSizeBytes, minPartSizeBytes, maxParts);
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new StoreException(StoreErrorKind.Permanent, $"an object of {objectSizeBytes} bytes does not fit S3's multipart limits", ex);
            }
        }

        return Math.Max(minPartSizeBytes, (objectSizeBytes + maxParts - 1) / maxParts);
    }
}
