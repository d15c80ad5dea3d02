using HeavySync.Storage;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.Gcs;

/// <summary>The <see cref="IObjectStore"/> contract against Google's storage emulator (through the
/// test-only gaps layer), with small thresholds so resumable uploads and parallel reads take part.</summary>
public sealed class GcsObjectStoreContractTests(GcsFixture fixture) : ObjectStoreContract, IClassFixture<GcsFixture>
{
    private string? _bucket;

    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        _bucket ??= await fixture.CreateBucketAsync();
        return await fixture.OpenAsync(_bucket, $"contract-{Guid.NewGuid():N}/");
    }

    /// <summary>A store whose bucket was deleted after opening (opening a missing bucket fails early).</summary>
    protected override async Task<IObjectStore?> CreateMissingLocationStoreAsync()
    {
        var bucket = await fixture.CreateBucketAsync();
        var store = await fixture.OpenAsync(bucket);
        fixture.Gaps.DeleteBucket(bucket);
        return store;
    }
}
