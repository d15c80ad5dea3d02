namespace HeavySync.Locations;

/// <summary>
/// Per-location settings. One setting, every surface: the CLI flag (<c>--src-endpoint</c>), the
/// environment (<c>HEAVYSYNC_SRC_ENDPOINT</c>) and the config file (<c>source:endpoint</c>) all bind here.
/// Unset values fall back to each ecosystem's own conventions (AWS_ENDPOINT_URL_S3, AWS_REGION, ...).
/// </summary>
public sealed record LocationSettings
{
    /// <summary>Service endpoint URL for S3-compatible stores (default: the provider's own).</summary>
    public string? Endpoint { get; init; }

    /// <summary>Region (default: AWS_REGION, else us-east-1).</summary>
    public string? Region { get; init; }

    /// <summary>Named credentials profile (default: AWS_PROFILE / the default chain).</summary>
    public string? Profile { get; init; }

    /// <summary>Use path-style bucket addressing (default: on when an endpoint is set).</summary>
    public bool? PathStyle { get; init; }

    /// <summary>Local trees: follow symbolic links instead of skipping them (default false).</summary>
    public bool FollowSymlinks { get; init; }
}
