using Amazon.S3.Model;
using HeavySync.Storage;
using HeavySync.Tests.Time;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Orphan multipart cleanup: what each <see cref="OrphanUploadPolicy"/> may abort.</summary>
public sealed partial class S3ObjectStoreTests
{
    [Fact]
    public async Task CleanupIncompleteUploadsAsync_SoleWriter_AbortsEveryUploadUnderPrefixEvenAFreshOne()
    {
        const string Prefix = "cleanup-sole/";
        await using var store = await fixture.OpenAsync(prefix: Prefix);
        await InitiateAsync(Prefix + "orphan.bin");
        var fresh = await InitiateAsync(Prefix + "deep/fresh.bin");
        await UploadPartAsync(Prefix + "deep/fresh.bin", fresh, 1);
        await InitiateAsync("elsewhere-sole/keep.bin");

        var aborted = await store.CleanupIncompleteUploadsAsync(OrphanUploadPolicy.SoleWriter(), default);

        Assert.Equal(2, aborted);
        Assert.Empty(await ListUploadsAsync(Prefix));
        Assert.Single(await ListUploadsAsync("elsewhere-sole/"));
    }

    [Fact]
    public async Task CleanupIncompleteUploadsAsync_SharedWithCopiers_SparesLiveUploadsAndAbortsIdleOne()
    {
        const string Prefix = "cleanup-shared/";
        await InitiateAsync(Prefix + "idle.bin");
        var live = await InitiateAsync(Prefix + "live.bin");

        // The server stamps times in whole seconds or finer: let its clock move on before the live
        // upload stores a part, so "initiated" and "last part" are clearly apart.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await UploadPartAsync(Prefix + "live.bin", live, 1);
        await InitiateAsync(Prefix + "young.bin");
        var uploads = await ListUploadsAsync(Prefix);
        var idleInitiated = Utc(uploads.Single(u => u.Key.EndsWith("idle.bin", StringComparison.Ordinal)).Initiated);
        var parts = await fixture.Client.ListPartsAsync(new ListPartsRequest { BucketName = fixture.Bucket, Key = Prefix + "live.bin", UploadId = live });
        var livePart = Utc(Assert.Single(parts.Parts).LastModified);
        var idleFor = livePart - idleInitiated;
        Assert.True(idleFor > TimeSpan.Zero, $"the server stamped the part ({livePart:O}) no later than the first upload ({idleInitiated:O})");

        // Half the idle time after the live upload's part: the idle upload (no part, initiated
        // 1.5 × idleFor ago) is dead; the live one was initiated as long ago but stored a part since;
        // the young one was initiated after the part.
        var clock = new ManualTimeProvider(livePart + (idleFor / 2));
        await using var store = await fixture.OpenAsync(prefix: Prefix, timeProvider: clock);
        var aborted = await store.CleanupIncompleteUploadsAsync(OrphanUploadPolicy.SharedWithCopiers(idleFor), default);

        Assert.Equal(1, aborted);
        Assert.Equal(["live.bin", "young.bin"], (await ListUploadsAsync(Prefix)).Select(u => u.Key[Prefix.Length..]).Order(StringComparer.Ordinal));
        await UploadPartAsync(Prefix + "live.bin", live, 2); // still usable: its copier would not notice

        // Once everything has been idle long enough, the same policy takes them all.
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, await store.CleanupIncompleteUploadsAsync(OrphanUploadPolicy.SharedWithCopiers(idleFor), default));
        Assert.Empty(await ListUploadsAsync(Prefix));
    }

    private static DateTimeOffset Utc(DateTime? time) =>
        new(time!.Value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time.Value, DateTimeKind.Utc) : time.Value.ToUniversalTime());

    private async Task<string> InitiateAsync(string fullKey) =>
        (await fixture.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = fixture.Bucket, Key = fullKey })).UploadId;

    private async Task UploadPartAsync(string fullKey, string uploadId, int partNumber) =>
        await fixture.Client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = fixture.Bucket,
            Key = fullKey,
            UploadId = uploadId,
            PartNumber = partNumber,
            InputStream = new MemoryStream(TestData.Bytes(1024, partNumber)),
        });
}
