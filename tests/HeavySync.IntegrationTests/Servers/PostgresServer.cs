namespace HeavySync.IntegrationTests.Servers;

/// <summary>
/// The PostgreSQL test server (scripts/postgres/start.sh), shared by every test in the process.
/// Tests create their own databases or schemas in it so they never see each other's rows.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private PostgresServer(string url) => Url = url;

    /// <summary>postgres://USER:PASSWORD@127.0.0.1:PORT/heavysync (the user is a superuser).</summary>
    public string Url { get; }

    /// <summary>The same server, another database: <paramref name="database"/> must exist or be created first.</summary>
    public string UrlFor(string database) => Url[..(Url.LastIndexOf('/') + 1)] + database;

    /// <summary>The shared server, started on first use.</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    private static async Task<PostgresServer> StartAsync()
    {
        var values = await TestServerScript.GetAsync("postgres", ["HEAVYSYNC_TEST_POSTGRES_URL"]).ConfigureAwait(false);
        return new PostgresServer(values["HEAVYSYNC_TEST_POSTGRES_URL"]);
    }
}
