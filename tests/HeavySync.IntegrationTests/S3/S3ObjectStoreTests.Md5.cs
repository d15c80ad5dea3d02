using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>
/// The whole-object MD5 of multipart objects ("md5chksum" metadata, rclone's name). Metadata is
/// fixed when the upload is created, so it is stored only when the MD5 is known before the first
/// part: the caller vouches for it (the source's own MD5) and the write verifies it while
/// streaming, before completing. Without that, nothing is stored: the copier's ledger keeps the
/// MD5 computed while streaming instead.
/// </summary>
public sealed partial class S3ObjectStoreTests
{
    [Fact]
    public async Task WriteAsync_MultipartWithoutKnownMd5_StoresNoMd5Metadata()
    {
        const string Prefix = "md5-none/";
        await using var store = await fixture.OpenAsync(prefix: Prefix, options: SmallParts);
        var content = TestData.Bytes((64 * KiB * 5) + 1, 21);

        var written = await store.WriteAsync(new WriteRequest("m.bin", content.Length), new MemoryStream(content), default);

        Assert.EndsWith("-6", written.ETag, StringComparison.Ordinal);
        Assert.Null(written.Md5);
        var head = await fixture.Client.GetObjectMetadataAsync(fixture.Bucket, Prefix + "m.bin");
        Assert.Null(head.Metadata["md5chksum"]);
        Assert.Null((await store.StatAsync("m.bin", default))!.Md5);
    }

    [Fact]
    public async Task WriteAsync_MultipartWithKnownMd5_StoresItAsMetadata()
    {
        const string Prefix = "md5-known/";
        await using var store = await fixture.OpenAsync(prefix: Prefix, options: SmallParts);
        var content = TestData.Bytes((64 * KiB * 5) + 1, 22);
        var md5 = TestData.Md5Hex(content);

        await store.WriteAsync(new WriteRequest("m.bin", content.Length) { Md5 = md5 }, new MemoryStream(content), default);

        var head = await fixture.Client.GetObjectMetadataAsync(fixture.Bucket, Prefix + "m.bin");
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(md5)), head.Metadata["md5chksum"]);
        Assert.EndsWith("-6\"", head.ETag, StringComparison.Ordinal);
        Assert.Equal(md5, (await store.StatAsync("m.bin", default))!.Md5);
    }

    [Fact]
    public async Task WriteAsync_MultipartWhoseBytesDoNotMatchTheVouchedMd5_AbortsBeforeCompleting()
    {
        const string Prefix = "md5-wrong/";
        await using var store = await fixture.OpenAsync(prefix: Prefix, options: SmallParts);
        var content = TestData.Bytes((64 * KiB * 5) + 1, 23);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteAsync(new WriteRequest("m.bin", content.Length) { Md5 = new string('a', 32) }, new MemoryStream(content), default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Null(await store.StatAsync("m.bin", default)); // no object carrying a false md5chksum
        Assert.Empty(await ListUploadsAsync(Prefix));
    }

    [Fact]
    public async Task CopyFromAsync_SinglePartSourceCopiedInParts_CarriesTheSourceMd5AsMetadata()
    {
        const string Prefix = "md5-copy/";
        var content = TestData.Bytes(64 * KiB * 5, 24);
        await fixture.Client.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Bucket, Key = Prefix + "src/single.bin", InputStream = new MemoryStream(content) });
        await using var source = await fixture.OpenAsync(prefix: Prefix + "src/", options: SmallParts);
        await using var destination = await fixture.OpenAsync(prefix: Prefix + "dst/", options: SmallParts);
        var entry = (await source.StatAsync("single.bin", default))!;
        Assert.Equal(TestData.Md5Hex(content), entry.Md5);

        var copied = await destination.CopyFromAsync(source, entry, "single.bin", default);

        Assert.EndsWith("-5", copied.ETag, StringComparison.Ordinal);
        Assert.Equal(entry.Md5, copied.Md5);
        Assert.Equal(entry.Md5, (await destination.StatAsync("single.bin", default))!.Md5);
    }
}
