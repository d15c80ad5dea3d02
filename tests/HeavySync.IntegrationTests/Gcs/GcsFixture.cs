using System.Text;
using HeavySync.Google.Storage;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>The storage emulator behind a <see cref="GcsEmulatorGaps"/> layer, with helpers to make
/// uniquely named buckets (buckets.insert through the layer) and open stores on them.</summary>
public sealed class GcsFixture : IAsyncLifetime
{
    private static int _counter;

    /// <summary>Small thresholds, so resumable uploads and parallel reads run with small objects.</summary>
    public static GcsStoreOptions SmallOptions { get; } = new()
    {
        SimpleUploadThresholdBytes = 300 * 1024,
        ResumableChunkBytes = 256 * 1024,
        ParallelReadThresholdBytes = 512 * 1024,
        ReadChunkBytes = 128 * 1024,
        MaxAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
    };

    /// <summary>The layer in front of the emulator.</summary>
    public GcsEmulatorGaps Gaps { get; private set; } = null!;

    /// <summary>Settings pointing at the layer.</summary>
    public LocationSettings Settings => new() { Endpoint = Gaps.Endpoint };

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var server = await GcsEmulatorServer.GetAsync();
        Gaps = GcsEmulatorGaps.Start(server.Endpoint);
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await Gaps.DisposeAsync();

    /// <summary>A unique bucket name (never created).</summary>
    public static string NewBucketName() => $"hs-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..40];

    /// <summary>Creates a bucket (buckets.insert with a project, as GCS requires).</summary>
    public async Task<string> CreateBucketAsync(bool versioned = false)
    {
        var name = NewBucketName();
        using var http = new HttpClient();
        var body = versioned ? $"{{\"name\":\"{name}\",\"versioning\":{{\"enabled\":true}}}}" : $"{{\"name\":\"{name}\"}}";
        using var answer = await http.PostAsync($"{Gaps.Endpoint}/storage/v1/b?project=heavysync-test", new StringContent(body, Encoding.UTF8, "application/json"));
        answer.EnsureSuccessStatusCode();
        return name;
    }

    /// <summary>Opens a store on gs://bucket/prefix through the layer.</summary>
    public async Task<GcsObjectStore> OpenAsync(string bucket, string prefix = "", GcsStoreOptions? options = null, IRequestObserver? observer = null) =>
        await GcsObjectStore.OpenAsync(LocationParser.Parse($"gs://{bucket}/{prefix}"), Settings, options ?? SmallOptions, observer);
}
