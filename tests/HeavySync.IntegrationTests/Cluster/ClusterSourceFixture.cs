using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.IntegrationTests.S3;

namespace HeavySync.IntegrationTests.Cluster;

/// <summary>One radosgw bucket of 5,000 small objects under <c>data/</c>, filled once for the cluster tests, with each object's MD5.</summary>
public sealed class ClusterSourceFixture : S3BucketFixture
{
    public const int Count = 5_000;

    /// <summary>Key → lower-case hex MD5 of every source object.</summary>
    public Dictionary<string, string> Md5 { get; } = new(StringComparer.Ordinal);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var gate = new SemaphoreSlim(32);
        var puts = Enumerable.Range(0, Count).Select(async i =>
        {
            var content = TestData.Bytes(1024 + (i % 7 * 512), seed: i);
            var key = $"data/{i % 10}/obj-{i:D5}.bin";
            await gate.WaitAsync();
            try
            {
                await Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(content) });
            }
            finally
            {
                gate.Release();
            }

            lock (Md5)
            {
                Md5[key] = TestData.Md5Hex(content);
            }
        });
        await Task.WhenAll(puts);
    }
}
