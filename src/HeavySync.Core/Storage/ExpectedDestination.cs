using System.Text.Json.Serialization;

namespace HeavySync.Storage;

/// <summary>
/// What a run's destination listing saw at a key, carried from the plan to the write or delete so a
/// store that supports preconditions changes the key only if it still holds what was listed: a key
/// listed absent is created only if still absent, a listed version is replaced or deleted only if it
/// is still the live one. An object another writer created or replaced since the listing is then
/// never clobbered or deleted. Stores without preconditions ignore it (local files, S3).
/// </summary>
/// <param name="Exists">False: the listing did not show the key.</param>
/// <param name="Version">The listed version (a GCS generation) when <paramref name="Exists"/>.</param>
public sealed record ExpectedDestination(
    [property: JsonPropertyName("exists")] bool Exists,
    [property: JsonPropertyName("version")] string? Version)
{
    /// <summary>The key was absent from the listing.</summary>
    public static ExpectedDestination Absent { get; } = new(false, null);

    /// <summary>The key was listed at <paramref name="version"/>.</summary>
    public static ExpectedDestination AtVersion(string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        return new ExpectedDestination(true, version);
    }

    /// <summary>The expectation for a key the listing showed as <paramref name="listed"/> (null:
    /// absent); null when nothing can be checked (listed, but the store reports no version).</summary>
    public static ExpectedDestination? FromListing(bool listed, string? version) =>
        !listed ? Absent : string.IsNullOrEmpty(version) ? null : AtVersion(version);
}
