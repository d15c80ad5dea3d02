using HeavySync.Aws.S3;
using HeavySync.IntegrationTests.S3;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.Faults;

/// <summary>
/// The S3 store's own verification made to fail: <see cref="FaultInjectingProxy"/> alters the ETag
/// radosgw answers, as a server that stored other bytes would. Each write must refuse to report
/// success (a transient error, so the copy is tried again).
/// </summary>
public sealed class S3VerificationFaultTests(S3BucketFixture fixture) : IClassFixture<S3BucketFixture>
{
    private const int KiB = 1024;

    private static readonly S3StoreOptions SmallParts = new()
    {
        SinglePutThresholdBytes = 256 * KiB,
        MinPartSizeBytes = 64 * KiB,
        MaxAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task WriteAsync_SinglePutAnswerWithOtherETag_FailsTransient()
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, FaultOptions.None);
        await using var store = await OpenThroughAsync(proxy);
        proxy.CorruptETagWhen = (method, _) => method == "PUT";
        var data = TestData.Bytes(10 * KiB, 1);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("single.bin", data.Length) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream(data), default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("differs from the content MD5", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.CorruptedETags);
    }

    [Fact]
    public async Task WriteAsync_MultipartObjectHeadWithOtherETag_FailsTransient()
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, FaultOptions.None);
        await using var store = await OpenThroughAsync(proxy);
        proxy.CorruptETagWhen = (method, _) => method == "HEAD";
        var data = TestData.Bytes((64 * KiB * 6) + 5, 2);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("multi.bin", data.Length), new MemoryStream(data), default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("differs from the computed", error.Message, StringComparison.Ordinal);
        Assert.True(proxy.CorruptedETags >= 1);
        Assert.Contains(proxy.Seen, r => r.Method == "POST" && r.Target.Contains("uploadId=", StringComparison.Ordinal)); // it did complete
    }

    [Fact]
    public async Task WriteAsync_SameObjectsWithoutAlteredETags_Succeed()
    {
        await using var proxy = FaultInjectingProxy.Start(fixture.Server.Endpoint, FaultOptions.None);
        await using var store = await OpenThroughAsync(proxy);
        var single = TestData.Bytes(10 * KiB, 1);
        var multi = TestData.Bytes((64 * KiB * 6) + 5, 2);

        await store.WriteAsync(new WriteRequest("single.bin", single.Length) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream(single), default);
        var written = await store.WriteAsync(new WriteRequest("multi.bin", multi.Length), new MemoryStream(multi), default);

        Assert.EndsWith("-7", written.ETag, StringComparison.Ordinal);
        Assert.Equal(0, proxy.CorruptedETags);
    }

    private Task<S3ObjectStore> OpenThroughAsync(FaultInjectingProxy proxy) =>
        fixture.OpenAsync(options: SmallParts, settings: new LocationSettings { Endpoint = proxy.Endpoint, Region = "us-east-1" });
}
