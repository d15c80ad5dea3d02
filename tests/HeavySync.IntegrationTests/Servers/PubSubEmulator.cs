namespace HeavySync.IntegrationTests.Servers;

/// <summary>
/// Google's Pub/Sub emulator (scripts/pubsub/start.sh), shared by every test in the process. Tests
/// create their own topics and subscriptions (unique names) so they never see each other's messages.
/// </summary>
public sealed class PubSubEmulator
{
    private static readonly Lazy<Task<PubSubEmulator>> Shared = new(StartAsync);

    private PubSubEmulator(string host, string project)
    {
        Host = host;
        Project = project;
    }

    /// <summary>127.0.0.1:PORT, the form PUBSUB_EMULATOR_HOST takes.</summary>
    public string Host { get; }

    /// <summary>The project the tests use (the emulator accepts any).</summary>
    public string Project { get; }

    /// <summary>The shared emulator, started on first use.</summary>
    public static Task<PubSubEmulator> GetAsync() => Shared.Value;

    /// <summary>A fresh, unique name (3 to 255 characters, starting with a letter).</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static async Task<PubSubEmulator> StartAsync()
    {
        var values = await TestServerScript.GetAsync("pubsub", ["HEAVYSYNC_TEST_PUBSUB_HOST", "HEAVYSYNC_TEST_PUBSUB_PROJECT"]).ConfigureAwait(false);
        return new PubSubEmulator(values["HEAVYSYNC_TEST_PUBSUB_HOST"], values["HEAVYSYNC_TEST_PUBSUB_PROJECT"]);
    }
}
