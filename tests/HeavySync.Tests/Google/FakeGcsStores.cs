using HeavySync.Google.Storage;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>Opens <see cref="GcsObjectStore"/>s over a <see cref="FakeGcs"/>, with small sizes and
/// quick retries so the protocol paths run with small objects.</summary>
internal static class FakeGcsStores
{
    public static GcsStoreOptions Small { get; } = new()
    {
        SimpleUploadThresholdBytes = 1024,
        ResumableChunkBytes = 256 * 1024,
        MaxAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(2),
    };

    public static Task<GcsObjectStore> OpenAsync(
        FakeGcs fake,
        GcsStoreOptions? options = null,
        IRequestObserver? observer = null,
        TimeProvider? time = null,
        StoreSide? side = null,
        string? project = null,
        string prefix = "") =>
        GcsObjectStore.OpenAsync(
            GcsConnection.ForTransport(new Uri(FakeGcs.Root), fake, project),
            LocationParser.Parse($"gs://{fake.Bucket}/{prefix}"),
            options ?? Small,
            side,
            observer,
            null,
            time,
            CancellationToken.None);

    /// <summary>Deterministic bytes.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
