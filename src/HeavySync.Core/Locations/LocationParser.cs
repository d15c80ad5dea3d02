namespace HeavySync.Locations;

/// <summary>Parses user-written locations; every failure is a <see cref="FormatException"/> with a one-line cause.</summary>
public static class LocationParser
{
    /// <summary>Parses <paramref name="text"/>; bare paths are resolved against <paramref name="currentDirectory"/>.</summary>
    public static StoreLocation Parse(string text, string? currentDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw new FormatException("empty location");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new FormatException("location contains a NUL character");
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            if (LooksLikeUnknownScheme(text))
            {
                throw new FormatException($"unsupported location '{text}': use s3://bucket/prefix, gs://bucket/prefix, file:///path or a local path");
            }

            return LocalPath(text, currentDirectory);
        }

        var scheme = text[..schemeEnd].ToLowerInvariant();
        var rest = text[(schemeEnd + 3)..];
        return scheme switch
        {
            "file" => FileUrl(text, rest),
            "s3" => Bucket(LocationScheme.S3, text, rest),
            "gs" => Bucket(LocationScheme.Gcs, text, rest),
            _ => throw new FormatException($"unsupported scheme '{scheme}://' in '{text}': use s3://, gs:// or file://"),
        };
    }

    private static bool LooksLikeUnknownScheme(string text)
    {
        // "s3:bucket" or "gcs:bucket" are common slips; a drive letter "C:\x" is not a scheme.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 1 && text[..colon].All(char.IsAsciiLetterOrDigit);
    }

    private static StoreLocation FileUrl(string original, string rest)
    {
        if (rest.Length == 0 || rest[0] != '/')
        {
            throw new FormatException($"file URL '{original}' must be absolute: file:///path");
        }

        return LocalPath(Uri.UnescapeDataString(rest), null);
    }

    private static StoreLocation LocalPath(string path, string? currentDirectory)
    {
        var full = System.IO.Path.GetFullPath(path, currentDirectory ?? Environment.CurrentDirectory);
        full = System.IO.Path.TrimEndingDirectorySeparator(full);
        if (full.Length == 0)
        {
            full = "/";
        }

        return new StoreLocation(LocationScheme.File, string.Empty, string.Empty, full);
    }

    private static StoreLocation Bucket(LocationScheme scheme, string original, string rest)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..];
        if (!IsValidBucketName(bucket))
        {
            throw new FormatException($"invalid bucket name '{bucket}' in '{original}': 3-63 characters of a-z, 0-9, '.', '-' and '_'");
        }

        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        if (prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal))
        {
            throw new FormatException($"invalid prefix in '{original}': empty path segment");
        }

        return new StoreLocation(scheme, bucket, prefix, string.Empty);
    }

    private static bool IsValidBucketName(string bucket) =>
        bucket.Length is >= 3 and <= 63
        && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_')
        && char.IsAsciiLetterOrDigit(bucket[0])
        && char.IsAsciiLetterOrDigit(bucket[^1]);
}
