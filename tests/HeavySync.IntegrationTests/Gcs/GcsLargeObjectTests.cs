using System.Security.Cryptography;
using HeavySync.IntegrationTests.S3;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>An object larger than the emulator takes in one request body (130 MB): the gaps layer
/// stores a finished resumable upload in pieces through the emulator's own upload service.</summary>
public sealed class GcsLargeObjectTests(GcsFixture fixture) : IClassFixture<GcsFixture>
{
    [Fact]
    public async Task WriteAsync_140MegabyteResumableUpload_RoundTripsByteForByte()
    {
        var options = GcsFixture.SmallOptions with
        {
            ResumableChunkBytes = 16 * 1024 * 1024,
            ParallelReadThresholdBytes = 64L * 1024 * 1024,
            ReadChunkBytes = 8 * 1024 * 1024,
        };
        var store = await fixture.OpenAsync(await fixture.CreateBucketAsync(), options: options);
        var data = TestData.Bytes(140 * 1000 * 1000, seed: 140);

        var written = await store.WriteAsync(new WriteRequest("large.bin", data.Length), new MemoryStream(data), CancellationToken.None);

        Assert.Equal(data.Length, written.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), written.Md5);
        await using var read = await store.OpenReadAsync("large.bin", 0, null, CancellationToken.None);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1024 * 1024];
        long total = 0;
        int n;
        while ((n = await read.ReadAsync(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, n);
            total += n;
        }

        Assert.Equal(data.Length, total);
        Assert.Equal(written.Md5, Convert.ToHexStringLower(md5.GetHashAndReset()));
    }
}
