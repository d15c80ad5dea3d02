using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>Custom metadata HeavySync stores on objects, in rclone's format so either tool reads the other's.</summary>
internal static class GcsMetadata
{
    /// <summary>Source modification time (<see cref="MtimeText"/>).</summary>
    public const string Mtime = "mtime";

    public static DateTimeOffset? ParseMtime(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(Mtime, out var value) ? MtimeText.Parse(value) : null;
}
