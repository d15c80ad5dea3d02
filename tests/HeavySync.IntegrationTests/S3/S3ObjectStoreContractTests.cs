using Amazon.S3.Model;
using HeavySync.Storage;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.S3;

/// <summary>The <see cref="IObjectStore"/> contract against an unversioned radosgw bucket.</summary>
public sealed class S3ObjectStoreContractTests(S3BucketFixture fixture) : ObjectStoreContract, IClassFixture<S3BucketFixture>
{
    protected override async Task<IObjectStore> CreateStoreAsync() => await fixture.OpenAsync();

    protected override Task<IObjectStore?> CreateMissingLocationStoreAsync() => S3ContractSupport.StoreOfDeletedBucketAsync(fixture);
}

/// <summary>The <see cref="IObjectStore"/> contract against a versioned radosgw bucket.</summary>
public sealed class S3VersionedObjectStoreContractTests(VersionedS3BucketFixture fixture) : ObjectStoreContract, IClassFixture<VersionedS3BucketFixture>
{
    protected override async Task<IObjectStore> CreateStoreAsync() => await fixture.OpenAsync();

    protected override Task<IObjectStore?> CreateMissingLocationStoreAsync() => S3ContractSupport.StoreOfDeletedBucketAsync(fixture);
}

/// <summary>Shared arrangements of the S3 contract classes.</summary>
internal static class S3ContractSupport
{
    /// <summary>A store whose bucket was deleted after opening (opening a missing bucket fails early).</summary>
    public static async Task<IObjectStore?> StoreOfDeletedBucketAsync(S3BucketFixture fixture)
    {
        var bucket = $"gone-{Guid.NewGuid():N}"[..30];
        await fixture.Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var store = await fixture.OpenAsync(bucket: bucket);
        await fixture.Client.DeleteBucketAsync(bucket);
        return store;
    }
}
