using HeavySync.Storage;

namespace HeavySync.Aws.S3;

/// <summary>User metadata HeavySync stores on objects, in rclone's formats so either tool reads the other's.</summary>
internal static class S3Metadata
{
    /// <summary>Source modification time: seconds since the epoch as a decimal ("1700000000.123456789").</summary>
    public const string Mtime = "mtime";

    /// <summary>Base64 MD5 of the whole content, for multipart objects whose ETag is not an MD5 (rclone's name).</summary>
    public const string Md5 = "md5chksum";

    public static string FormatMtime(DateTimeOffset time) => MtimeText.Format(time);

    public static DateTimeOffset? ParseMtime(string? value) => MtimeText.Parse(value);
}
