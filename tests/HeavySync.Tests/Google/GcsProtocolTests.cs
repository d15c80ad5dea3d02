using HeavySync.Google.Storage;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

public sealed class GcsProtocolTests
{
    [Theory]
    [InlineData(null, 0L)]
    [InlineData("", 0L)]
    [InlineData("bytes=0-262143", 262144L)]
    [InlineData("bytes=0-0", 1L)]
    public void PersistedBytes_RangeOfA308_IsTheNextOffset(string? range, long expected) =>
        Assert.Equal(expected, GcsObjectStore.PersistedBytes(range));

    [Fact]
    public void PersistedBytes_Garbage_IsTransient() =>
        Assert.Equal(StoreErrorKind.Transient, Assert.Throws<StoreException>(() => GcsObjectStore.PersistedBytes("bytes=0-x")).Kind);

    [Theory]
    [InlineData(null, null, "https://storage.googleapis.com/")]
    [InlineData(null, "localhost:9199", "http://localhost:9199/")]
    [InlineData(null, "http://127.0.0.1:9199/", "http://127.0.0.1:9199/")]
    [InlineData("https://storage.example/", "localhost:9199", "https://storage.example/")]
    public void ResolveEndpoint_SettingThenEmulatorHostThenGoogle(string? setting, string? emulator, string expected) =>
        Assert.Equal(expected, GcsConnection.ResolveEndpoint(setting, emulator).ToString());

    [Fact]
    public void ResolveEndpoint_NotAUrl_IsFatal() =>
        Assert.Equal(StoreErrorKind.Fatal, Assert.Throws<StoreException>(() => GcsConnection.ResolveEndpoint("ftp://x", null)).Kind);

    [Theory]
    [InlineData("XUFAKrxLKna5cZ2REBfFkg==", "5d41402abc4b2a76b9719d911017c592")]
    [InlineData(null, null)]
    [InlineData("not base64", null)]
    public void Md5Hex_GcsBase64_IsLowerHex(string? base64, string? expected) =>
        Assert.Equal(expected, GcsObjectStore.Md5Hex(base64));

    [Fact]
    public void Validate_ChunkNotAMultipleOf256KiB_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new GcsStoreOptions { ResumableChunkBytes = 300 * 1024 }.Validate());
}
