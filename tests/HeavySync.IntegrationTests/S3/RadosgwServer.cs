using Amazon.Runtime;
using HeavySync.IntegrationTests.Servers;

namespace HeavySync.IntegrationTests.S3;

/// <summary>
/// The radosgw test server: from HEAVYSYNC_TEST_S3_* environment variables when set, else from the
/// env file scripts/radosgw/start.sh writes (see <see cref="TestServerScript"/>). Shared by every
/// test in the process.
/// </summary>
public sealed class RadosgwServer
{
    private static readonly Lazy<Task<RadosgwServer>> Shared = new(StartAsync);

    private RadosgwServer(IReadOnlyDictionary<string, string> values)
    {
        Endpoint = values["HEAVYSYNC_TEST_S3_ENDPOINT"];
        Credentials = new BasicAWSCredentials(values["HEAVYSYNC_TEST_S3_ACCESS_KEY"], values["HEAVYSYNC_TEST_S3_SECRET_KEY"]);
        OtherCredentials = new BasicAWSCredentials(values["HEAVYSYNC_TEST_S3_ACCESS_KEY_2"], values["HEAVYSYNC_TEST_S3_SECRET_KEY_2"]);
        AccessKey = values["HEAVYSYNC_TEST_S3_ACCESS_KEY"];
    }

    /// <summary>S3 endpoint URL (http://127.0.0.1:PORT).</summary>
    public string Endpoint { get; }

    /// <summary>The first test user.</summary>
    public AWSCredentials Credentials { get; }

    /// <summary>A second, unrelated user.</summary>
    public AWSCredentials OtherCredentials { get; }

    /// <summary>The first user's access key id.</summary>
    public string AccessKey { get; }

    /// <summary>The shared server, started on first use.</summary>
    public static Task<RadosgwServer> GetAsync() => Shared.Value;

    private static readonly string[] Names =
    [
        "HEAVYSYNC_TEST_S3_ENDPOINT", "HEAVYSYNC_TEST_S3_ACCESS_KEY", "HEAVYSYNC_TEST_S3_SECRET_KEY",
        "HEAVYSYNC_TEST_S3_ACCESS_KEY_2", "HEAVYSYNC_TEST_S3_SECRET_KEY_2",
    ];

    private static async Task<RadosgwServer> StartAsync() =>
        new(await TestServerScript.GetAsync("radosgw", Names).ConfigureAwait(false));
}
