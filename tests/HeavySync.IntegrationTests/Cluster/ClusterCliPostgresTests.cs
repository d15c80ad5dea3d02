using HeavySync.IntegrationTests.Infrastructure;
using HeavySync.State.Postgres;
using Npgsql;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// The cluster CLI against real Postgres, as separate processes: <c>db migrate</c>, a schema newer
/// than the build (Fatal, exit 4, DESIGN.md §6) against a malformed state URL (usage, exit 2), the
/// job commands including delete, the <c>--state</c> / <c>--queue</c> flags instead of the
/// environment, and a one-process sync over a Pub/Sub queue.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCliPostgresTests : IDisposable
{
    private readonly TempTree work = new("cluster-cli");

    [Fact]
    public async Task DbMigrate_FreshPostgresDatabase_CreatesTheSchemaThenFindsItUpToDate()
    {
        var url = await ClusterEnvironment.NewDatabaseAsync();
        var latest = PostgresStateStore.LatestSchemaVersion;

        var first = await Cli(["db", "migrate", "--state", url]);
        var second = await Cli(["db", "migrate", "--state", url]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"state schema migrated from version 0 to {latest}", first.Stdout);
        Assert.DoesNotContain("heavysync-test", first.Stdout);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"state schema is up to date (version {latest}", second.Stdout);
        Assert.Equal(latest, await SchemaVersionAsync(url));
    }

    [Fact]
    public async Task MigrateAndRoles_SchemaNewerThanTheBuild_RefusedWithOneLineAndExit4()
    {
        var url = await ClusterEnvironment.NewDatabaseAsync();
        Assert.Equal(0, (await Cli(["db", "migrate", "--state", url])).ExitCode);
        var newer = PostgresStateStore.LatestSchemaVersion + 1;
        await ExecuteAsync(url, $"INSERT INTO schema_version (version) VALUES ({newer})");

        var results = new[]
        {
            await Cli(["db", "migrate", "--state", url]),
            await Cli(["lister", "--job", "any", "--state", url, "--queue", "postgres"]),
            await Cli(["copier", "--state", url, "--queue", "postgres", "--idle-exit", "1s"]),
            await Cli(["finalizer", "--state", url, "--queue", "postgres"]),
            await Cli(["job", "list", "--state", url]),
        };

        Assert.All(results, result =>
        {
            Assert.True(result.ExitCode == 4, result.ToString());
            var line = Assert.Single(result.Stderr.Trim().Split('\n'));
            Assert.Contains($"state schema is version {newer}, this heavysync knows up to {newer - 1}: upgrade heavysync", line);
        });
        Assert.Equal(newer, await SchemaVersionAsync(url));
    }

    [Fact]
    public async Task Roles_MalformedStateUrl_OneLineUsageErrorExit2()
    {
        var results = new[]
        {
            await Cli(["db", "migrate", "--state", "postgres://user@127.0.0.1:notaport/db"]),
            await Cli(["lister", "--job", "x", "--state", "postgres://user@127.0.0.1:notaport/db", "--queue", "postgres"]),
        };

        Assert.All(results, result =>
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Single(result.Stderr.Trim().Split('\n'));
            Assert.Contains("state URL", result.Stderr);
        });
    }

    [Fact]
    public async Task JobCommands_OnPostgres_CreateFromArgumentsAndYamlListShowAndDelete()
    {
        var url = await ClusterEnvironment.NewDatabaseAsync();
        var file = Path.Combine(work.Root, "jobs.yaml");
        await File.WriteAllTextAsync(file, """
            jobs:
              - name: photos
                source: /tmp/hs-photos-src
                destination: /tmp/hs-photos-dst
                options:
                  max_delete: "5%"
                  include: ["*.jpg"]
              - name: docs
                source: /tmp/hs-docs-src
                destination: /tmp/hs-docs-dst
            """);

        var single = await Cli(["job", "create", "music", "/tmp/hs-music-src", "/tmp/hs-music-dst", "--no-delete", "--state", url]);
        var fromFile = await Cli(["job", "create", "--file", file, "--state", url]);
        var again = await Cli(["job", "create", "--file", file, "--state", url]);
        var show = await Cli(["job", "show", "photos", "--state", url]);
        var list = await Cli(["job", "list", "--state", url]);
        var delete = await Cli(["job", "delete", "docs", "--state", url]);
        var listAfter = await Cli(["job", "list", "--state", url]);
        var showDeleted = await Cli(["job", "show", "docs", "--state", url]);

        Assert.True(single.ExitCode == 0, single.ToString());
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("created job music", single.Stdout);
        Assert.Contains("created job photos", fromFile.Stdout);
        Assert.Contains("created job docs", fromFile.Stdout);
        Assert.Contains("updated job photos", again.Stdout);
        Assert.Contains("option max_delete = 5%", show.Stdout);
        Assert.Contains("option include:0 = *.jpg", show.Stdout);
        Assert.All(new[] { "music", "photos", "docs" }, name => Assert.Contains(name, list.Stdout));
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Contains("deleted job docs; its locations are untouched", delete.Stdout);
        Assert.DoesNotContain("docs", listAfter.Stdout);
        Assert.Contains("photos", listAfter.Stdout);
        Assert.Equal(2, showDeleted.ExitCode);
        Assert.Contains("no job named 'docs'", showDeleted.Stderr);
    }

    [Fact]
    public async Task Roles_StateAndQueueFlagsWithoutEnvironment_RunTheJobToTheEnd()
    {
        var url = await ClusterEnvironment.NewDatabaseAsync();
        using var src = new TempTree("flags-src");
        using var dst = new TempTree("flags-dst");
        for (var i = 0; i < 40; i++)
        {
            src.Write($"f{i:D2}.txt", [(byte)i]);
        }

        dst.Write("stale.txt", "old"u8.ToArray());
        string[] flags = ["--state", url, "--queue", "postgres"];

        var created = await Cli(["job", "create", "flags", src.Root, dst.Root, "--state", url]);
        var lister = await Cli(["lister", "--job", "flags", .. flags]);
        var copier = await Cli(["copier", "--idle-exit", "2s", .. flags]);
        var finalizer = await Cli(["finalizer", "--job", "flags", .. flags]);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(lister.ExitCode == 0, lister.ToString());
        Assert.Contains("published 40 copy tasks", lister.Stdout);
        Assert.True(copier.ExitCode == 0, copier.ToString());
        Assert.Contains("copier stopped: copied 40 objects", copier.Stdout);
        Assert.True(finalizer.ExitCode == 0, finalizer.ToString());
        Assert.Contains("deleted 1 objects", finalizer.Stdout);
        src.AssertSameAs(dst);
    }

    [Fact]
    public async Task Sync_PubSubQueue_SyncsAndResyncCopiesNothing()
    {
        await using var cluster = await ClusterEnvironment.CreateAsync("pubsub");
        using var src = new TempTree("pubsub-src");
        using var dst = new TempTree("pubsub-dst");
        var random = new Random(11);
        for (var i = 0; i < 150; i++)
        {
            src.WriteRandom($"p/{i}.bin", random.Next(0, 4000), random);
        }

        var first = await CliProcess.RunAsync(["sync", src.Root, dst.Root], cluster.Variables, TimeSpan.FromMinutes(3));
        var second = await CliProcess.RunAsync(["sync", src.Root, dst.Root], cluster.Variables, TimeSpan.FromMinutes(3));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("copied 150 objects", first.Stdout);
        Assert.Contains("queue requests: ", first.Stdout);
        src.AssertSameAs(dst);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("copied 0 objects", second.Stdout);
    }

    private static async Task<int> SchemaVersionAsync(string url)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(url).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT MAX(version) FROM schema_version", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string url, string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(url).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task<CliResult> Cli(string[] args) => CliProcess.RunAsync(args, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));

    public void Dispose() => work.Dispose();
}
