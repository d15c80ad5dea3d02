using Npgsql;

namespace HeavySync.State.Postgres;

/// <summary>
/// Turns a state location into Npgsql settings: a <c>postgres://</c> or <c>postgresql://</c> URL
/// (<c>postgres://user:password@host:port/database?sslmode=require&amp;search_path=heavysync</c>,
/// user and password percent-decoded) or an Npgsql keyword string (<c>Host=...;Username=...</c>).
/// Error messages never contain the password.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>URL query parameters understood, besides their Npgsql keyword equivalents.</summary>
    private static readonly Dictionary<string, string> QueryKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["search_path"] = "Search Path",
        ["schema"] = "Search Path",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["target_session_attrs"] = "Target Session Attributes",
    };

    /// <summary>Whether <paramref name="location"/> names a Postgres database (URL scheme or keyword string).</summary>
    public static bool IsPostgres(string location) =>
        location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || (location.Contains('=', StringComparison.Ordinal) && location.Contains("host", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Parses <paramref name="location"/>. Throws <see cref="StateStoreException"/> with a one-line,
    /// password-free message when it is malformed. Defaults: port 5432, application name "heavysync".
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        var builder = location.Contains("://", StringComparison.Ordinal) ? ParseUrl(location) : ParseKeywords(location);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new StateStoreException($"state URL {Redact(location)} names no host");
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "heavysync";
        }

        return builder;
    }

    /// <summary>The location with any password replaced by <c>***</c>, fit for messages and logs.</summary>
    public static string Redact(string location)
    {
        if (location.Contains("://", StringComparison.Ordinal))
        {
            // The authority ends at the path or query; its last '@' ends the user info, even when a
            // careless password holds a raw '@'.
            var schemeEnd = location.IndexOf("://", StringComparison.Ordinal) + 3;
            var end = location.IndexOfAny(['/', '?'], schemeEnd);
            end = end < 0 ? location.Length : end;
            var at = end == schemeEnd ? -1 : location.LastIndexOf('@', end - 1, end - schemeEnd);
            var colon = at < 0 ? -1 : location.IndexOf(':', schemeEnd, at - schemeEnd);
            return colon < 0 ? location : location[..(colon + 1)] + "***" + location[at..];
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(location);
            if (builder.Password is not null)
            {
                builder.Password = "***";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unreadable connection string)";
        }
    }

    /// <summary>host:port/database, for messages.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) => $"{builder.Host}:{builder.Port}/{builder.Database}";

    private static NpgsqlConnectionStringBuilder ParseUrl(string location)
    {
        var scheme = location[..location.IndexOf("://", StringComparison.Ordinal)];
        if (!scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            throw new StateStoreException($"state URL {Redact(location)} is not a postgres:// URL");
        }

        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new StateStoreException($"state URL {Redact(location)} is not a valid URL (postgres://user:password@host:port/database)");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
        };
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var name = Uri.UnescapeDataString(parts[0]);
            var value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            var keyword = QueryKeywords.GetValueOrDefault(name) ?? name;
            try
            {
                builder[keyword] = NormaliseValue(keyword, value);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
            {
                throw new StateStoreException($"state URL {Redact(location)}: parameter '{name}' is unknown or has a bad value");
            }
        }

        return builder;
    }

    private static NpgsqlConnectionStringBuilder ParseKeywords(string location)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(location);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new StateStoreException($"state connection string {Redact(location)} is malformed");
        }
    }

    /// <summary>libpq spells SSL modes in kebab case (verify-full); Npgsql's enum has no dashes.</summary>
    private static string NormaliseValue(string keyword, string value) =>
        keyword == "SSL Mode" ? value.Replace("-", "", StringComparison.Ordinal) : value;
}
