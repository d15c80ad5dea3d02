using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Version handling of the S3 store against a versioned radosgw bucket.</summary>
public sealed class S3VersionedStoreTests(VersionedS3BucketFixture fixture) : IClassFixture<VersionedS3BucketFixture>
{
    [Fact]
    public async Task OpenAsync_VersionedBucket_ReportsVersions()
    {
        await using var store = await fixture.OpenAsync();

        Assert.True(store.Capabilities.Versions);
    }

    [Fact]
    public async Task PruneNoncurrentVersionsAsync_DeletesOnlyOldNoncurrentVersions()
    {
        const string Prefix = "prune/";
        await using var store = await fixture.OpenAsync(prefix: Prefix);
        for (var i = 0; i < 3; i++)
        {
            await store.WriteAsync(new WriteRequest("kept", 1), new MemoryStream([(byte)i]), default);
        }

        await store.WriteAsync(new WriteRequest("deleted", 1), new MemoryStream([9]), default);
        await store.DeleteAsync("deleted", default);

        // Nothing became noncurrent before a cut-off in the past.
        Assert.Equal(0, await store.PruneNoncurrentVersionsAsync(DateTimeOffset.UtcNow.AddHours(-1), default));
        Assert.Equal(3 + 1 + 1, await CountVersionsAsync(Prefix));

        // Two old "kept" versions and the "deleted" object's data version; the current delete marker stays.
        Assert.Equal(3, await store.PruneNoncurrentVersionsAsync(DateTimeOffset.UtcNow.AddMinutes(1), default));

        var left = await ListVersionsAsync(Prefix);
        Assert.Equal(2, left.Count);
        Assert.All(left, v => Assert.True(v.IsLatest));
        Assert.Contains(left, v => v.Key == Prefix + "deleted" && v.IsDeleteMarker == true);
        await using var read = await store.OpenReadAsync("kept", 0, null, default);
        Assert.Equal([2], await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task WriteStatAndList_VersionedObject_FingerprintAlike()
    {
        // ListObjectsV2 reports no version ids, so write and stat must not either: the ledger
        // recognises a copied object only when every view of it fingerprints the same.
        await using var store = await fixture.OpenAsync();

        var written = await store.WriteAsync(new WriteRequest("v", 1) { LastModified = DateTimeOffset.UnixEpoch }, new MemoryStream([1]), default);
        var stat = await store.StatAsync("v", default);
        var listed = new List<ObjectEntry>();
        await foreach (var entry in store.ListAsync(null, default))
        {
            listed.Add(entry);
        }

        var fingerprint = HeavySync.Planning.Fingerprint.Of(Assert.Single(listed));
        Assert.Equal(fingerprint, HeavySync.Planning.Fingerprint.Of(written));
        Assert.Equal(fingerprint, HeavySync.Planning.Fingerprint.Of(stat!));
    }

    private async Task<int> CountVersionsAsync(string prefix) => (await ListVersionsAsync(prefix)).Count;

    private async Task<List<S3ObjectVersion>> ListVersionsAsync(string prefix)
    {
        var response = await fixture.Client.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Bucket, Prefix = prefix });
        return response.Versions ?? [];
    }
}
