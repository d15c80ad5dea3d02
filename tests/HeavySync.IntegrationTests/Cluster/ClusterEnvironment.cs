using HeavySync.IntegrationTests.PubSub;
using HeavySync.IntegrationTests.Servers;
using HeavySync.IntegrationTests.Sqs;
using HeavySync.State.Postgres;
using Npgsql;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>
/// What the cluster roles of one test share: a fresh Postgres database as state and a fresh queue of
/// the given kind (the state's own queue table, a queue on the SQS test server, or a Pub/Sub
/// emulator subscription with a dead-letter policy), as the environment the processes read.
/// </summary>
public sealed class ClusterEnvironment : IAsyncDisposable
{
    private PubSubTestQueues? pubsub;

    private ClusterEnvironment(string stateUrl) => StateUrl = stateUrl;

    /// <summary>postgres:// URL of this test's own database.</summary>
    public string StateUrl { get; }

    /// <summary>HEAVYSYNC_STATE, HEAVYSYNC_QUEUE and what the queue kind needs (PUBSUB_EMULATOR_HOST).</summary>
    public Dictionary<string, string?> Variables { get; } = [];

    /// <summary>
    /// A new database and a new queue of <paramref name="queueKind"/> (postgres, sqs or pubsub).
    /// With <paramref name="statePassword"/>, the database belongs to a new role of that password,
    /// and the state URL logs in as it (tests that look for the password where it must not be).
    /// </summary>
    public static async Task<ClusterEnvironment> CreateAsync(string queueKind, string? statePassword = null)
    {
        var environment = new ClusterEnvironment(await NewDatabaseAsync(statePassword));
        environment.Variables["HEAVYSYNC_STATE"] = environment.StateUrl;
        switch (queueKind)
        {
            case "postgres":
                environment.Variables["HEAVYSYNC_QUEUE"] = "postgres";
                break;
            case "sqs":
                var sqs = await SqsServer.GetAsync();
                environment.Variables["HEAVYSYNC_QUEUE"] = (await SqsServer.CreateQueueAsync(sqs.Endpoint, SqsServer.UniqueName("cluster"))).ToString();

                // The test server checks the form of the signature, not the key; tests with an S3
                // side replace these with that server's keys.
                environment.Variables["AWS_ACCESS_KEY_ID"] = "AKIDHEAVYSYNCTEST";
                environment.Variables["AWS_SECRET_ACCESS_KEY"] = "heavysync-test-secret";
                environment.Variables["AWS_REGION"] = "us-east-1";
                break;
            case "pubsub":
                environment.pubsub = await PubSubTestQueues.CreateAsync();
                var (location, _) = await environment.pubsub.CreateSubscriptionAsync(maxDeliveryAttempts: 10);
                environment.Variables["HEAVYSYNC_QUEUE"] = "pubsub://" + location.SubscriptionName;
                environment.Variables["PUBSUB_EMULATOR_HOST"] = environment.pubsub.Emulator.Host;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(queueKind), queueKind, "postgres, sqs or pubsub");
        }

        return environment;
    }

    /// <summary>A new, empty database on the test Postgres server; its postgres:// URL.</summary>
    public static async Task<string> NewDatabaseAsync(string? password = null)
    {
        var server = await PostgresServer.GetAsync();
        var name = "cluster_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(server.Url).ConnectionString);
        await connection.OpenAsync();
        if (password is null)
        {
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
            return server.UrlFor(name);
        }

        // The role is named like the database; the password is the test's and goes in as a literal.
        await using (var role = new NpgsqlCommand($"CREATE ROLE {name} LOGIN PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection))
        {
            await role.ExecuteNonQueryAsync();
        }

        await using (var database = new NpgsqlCommand($"CREATE DATABASE {name} OWNER {name}", connection))
        {
            await database.ExecuteNonQueryAsync();
        }

        var url = new UriBuilder(server.UrlFor(name)) { UserName = name, Password = Uri.EscapeDataString(password) };
        return url.Uri.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (pubsub is not null)
        {
            await pubsub.DisposeAsync();
        }
    }
}
