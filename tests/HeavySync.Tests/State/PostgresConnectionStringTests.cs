using HeavySync.State;
using HeavySync.State.Postgres;
using Npgsql;

namespace HeavySync.Tests.State;

/// <summary>State URLs into Npgsql settings, and the password kept out of every message.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void Parse_FullUrl_EveryPartLandsDecoded()
    {
        var settings = PostgresConnectionString.Parse(
            "postgresql://sync%40corp:p%40ss%3Aw%2Fo%20rd@db.example:6543/heavy%20sync?sslmode=verify-full&search_path=hs&application_name=lister");

        Assert.Equal(
            ("db.example", 6543, "heavy sync", "sync@corp", "p@ss:w/o rd", SslMode.VerifyFull, "hs", "lister"),
            (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password, settings.SslMode, settings.SearchPath, settings.ApplicationName));
    }

    [Fact]
    public void Parse_MinimalUrl_DefaultsPortAndApplicationName()
    {
        var settings = PostgresConnectionString.Parse("postgres://me@localhost/state?schema=other");

        Assert.Equal((5432, "me", null, "heavysync", "other"), (settings.Port, settings.Username, settings.Password, settings.ApplicationName, settings.SearchPath));
    }

    [Fact]
    public void Parse_KeywordString_PassesThrough()
    {
        var settings = PostgresConnectionString.Parse("Host=10.0.0.5;Port=5433;Database=hs;Username=u;Password=pw");

        Assert.Equal(("10.0.0.5", 5433, "hs", "u", "pw"), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password));
    }

    [Theory]
    [InlineData("postgres://u:secret@h:5432/db", "postgres://u:***@h:5432/db")]
    [InlineData("postgres://u:se@cret@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require")]
    [InlineData("postgres://u@h/db", "postgres://u@h/db")]
    [InlineData("postgres://h/db", "postgres://h/db")]
    public void Redact_Url_HidesOnlyThePassword(string url, string expected) =>
        Assert.Equal(expected, PostgresConnectionString.Redact(url));

    [Fact]
    public void Redact_KeywordString_HidesThePassword()
    {
        var redacted = PostgresConnectionString.Redact("Host=h;Username=u;Password=secret");

        Assert.DoesNotContain("secret", redacted, StringComparison.Ordinal);
        Assert.Contains("***", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://u:secret@h/db?bogus=1", "state URL postgres://u:***@h/db?bogus=1: parameter 'bogus' is unknown or has a bad value")]
    [InlineData("postgres://u:secret@/db", "state URL postgres://u:***@/db is not a valid URL (postgres://user:password@host:port/database)")]
    public void Parse_Malformed_OneLineRedacted(string url, string expected) =>
        Assert.Equal(expected, Assert.Throws<StateStoreException>(() => PostgresConnectionString.Parse(url)).Message);

    [Theory]
    [InlineData("postgres://h/db", true)]
    [InlineData("POSTGRESQL://h/db", true)]
    [InlineData("Host=h;Database=d", true)]
    [InlineData("/var/lib/heavysync/state.db", false)]
    [InlineData("state.db", false)]
    public void IsPostgres_Locations_Recognised(string location, bool expected) =>
        Assert.Equal(expected, PostgresConnectionString.IsPostgres(location));
}
