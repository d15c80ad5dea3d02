using Amazon.Runtime;
using HeavySync.Aws.Sqs;
using HeavySync.Queue;
using HeavySync.SqsTestServer;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>
/// The SQS test server the tests share: the process scripts/sqs/start.sh runs when
/// HEAVYSYNC_TEST_SQS_ENDPOINT is set (as scripts/test.sh does), else one started in this process.
/// Tests that inject faults start their own in-process server (<see cref="StartPrivateAsync"/>).
/// </summary>
public sealed class SqsServer
{
    /// <summary>Credentials the test server accepts (it checks the SigV4 header's form, not the signature).</summary>
    public static readonly AWSCredentials Credentials = new BasicAWSCredentials("AKIDHEAVYSYNCTEST", "heavysync-test-secret");

    private static readonly Lazy<Task<SqsServer>> Shared = new(StartAsync);

    private SqsServer(string endpoint, SqsTestServerHost? inProcess)
    {
        Endpoint = endpoint;
        InProcess = inProcess;
    }

    /// <summary>Base URL of the server.</summary>
    public string Endpoint { get; }

    /// <summary>The in-process server, or null when the shared server is a separate process.</summary>
    public SqsTestServerHost? InProcess { get; }

    /// <summary>The shared server, started on first use.</summary>
    public static Task<SqsServer> GetAsync() => Shared.Value;

    /// <summary>A server of the caller's own, in this process (for fault injection and request counts).</summary>
    public static Task<SqsTestServerHost> StartPrivateAsync() => SqsTestServerHost.StartAsync();

    /// <summary>A queue name no other test uses.</summary>
    public static string UniqueName(string label) => $"{label}-{Guid.NewGuid():N}";

    /// <summary>A client of <paramref name="endpoint"/> with short retry delays.</summary>
    public static SqsClient Client(string endpoint, SqsQueueOptions? options = null) =>
        new(new Uri(endpoint), "us-east-1", Credentials, options ?? FastRetries);

    /// <summary>Creates a queue on <paramref name="endpoint"/> and returns its URL.</summary>
    public static async Task<Uri> CreateQueueAsync(string endpoint, string name, IReadOnlyDictionary<string, string>? attributes = null)
    {
        using var client = Client(endpoint);
        return await client.CreateQueueAsync(name, attributes, CancellationToken.None);
    }

    /// <summary>An <see cref="SqsWorkQueue"/> on a queue URL, built the way the CLI builds it.</summary>
    public static SqsWorkQueue Queue(Uri queueUrl, TimeSpan lease, SqsQueueOptions? options = null) =>
        SqsWorkQueue.Create(queueUrl.AbsoluteUri, (options ?? FastRetries) with { VisibilityTimeout = lease }, Credentials);

    /// <summary>Retry delays short enough for tests.</summary>
    public static SqsQueueOptions FastRetries { get; } = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        Region = "us-east-1",
    };

    private static async Task<SqsServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("HEAVYSYNC_TEST_SQS_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new SqsServer(external.TrimEnd('/'), null);
        }

        var server = await SqsTestServerHost.StartAsync();
        return new SqsServer(server.Url, server);
    }
}
