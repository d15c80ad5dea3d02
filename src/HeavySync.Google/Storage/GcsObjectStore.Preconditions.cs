using System.Globalization;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <summary>The <c>ifGenerationMatch</c> parameter for an expectation ("&amp;ifGenerationMatch=N"):
    /// 0 when the key must not exist, the listed generation when it must still be that one; empty
    /// when there is nothing to check.</summary>
    internal static string GenerationMatch(ExpectedDestination? expected) =>
        expected switch
        {
            null => string.Empty,
            { Exists: false } => "&ifGenerationMatch=0",
            { Version: { } version } when long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var generation) && generation > 0
                => string.Create(CultureInfo.InvariantCulture, $"&ifGenerationMatch={generation}"),
            _ => string.Empty,
        };

    /// <summary>
    /// After a write was refused (412: the key no longer holds what the listing saw). When it now
    /// holds exactly the content being written (same size and hashes) that object is the result: an
    /// earlier attempt of this same copy stored it and its answer was lost. Anything else is an object
    /// someone else wrote since the listing: <see cref="StoreErrorKind.Permanent"/>, never overwritten.
    /// </summary>
    private async Task<ObjectEntry> ResolveWriteConflictAsync(string operation, string key, long length, string? md5Hex, uint? crc32c, ExpectedDestination expected, StoreException conflict, CancellationToken cancellationToken)
    {
        var current = await StatAsync(key, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Size == length && SameContent(current, md5Hex, crc32c))
        {
            return current;
        }

        var listed = expected.Exists ? $"listed at generation {expected.Version}" : "listed absent";
        var now = current?.Version is { } generation ? $"now generation {generation}" : current is null ? "now absent" : "now another object";
        throw new StoreException(StoreErrorKind.Permanent, $"{Describe(operation, key)}: changed since the listing ({listed}, {now}); not overwritten", conflict);
    }

    /// <summary>True when <paramref name="entry"/> has at least one of the hashes and every one it has matches.</summary>
    private static bool SameContent(ObjectEntry entry, string? md5Hex, uint? crc32c)
    {
        var md5Known = entry.Md5 is not null && md5Hex is not null;
        var crcKnown = entry.Crc32c is not null && crc32c is not null;
        return (md5Known || crcKnown)
            && (!md5Known || string.Equals(entry.Md5, md5Hex, StringComparison.OrdinalIgnoreCase))
            && (!crcKnown || entry.Crc32c == crc32c);
    }
}
