using HeavySync.Storage;

namespace HeavySync.Tests.Local;

public sealed partial class LocalFileStoreTests
{
    public static TheoryData<string> UnsafeKeys => ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "a\0b", "C:x", "a//b", "a/", "."];

    [Theory]
    [MemberData(nameof(UnsafeKeys))]
    public async Task AllOperations_UnsafeKey_RefusedAsPermanentAndNothingWritten(string key)
    {
        var (store, root) = NewLocalStore();

        var errors = new[]
        {
            await Assert.ThrowsAsync<StoreException>(() => WriteAsync(store, key, Bytes(4, 30))),
            await Assert.ThrowsAsync<StoreException>(() => store.StatAsync(key, CancellationToken.None)),
            await Assert.ThrowsAsync<StoreException>(() => store.OpenReadAsync(key, 0, null, CancellationToken.None)),
            await Assert.ThrowsAsync<StoreException>(() => store.DeleteAsync(key, CancellationToken.None)),
        };

        Assert.All(errors, e => Assert.Equal(StoreErrorKind.Permanent, e.Kind));
        Assert.All(errors, e => Assert.StartsWith("unsafe key '", e.Message, StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(root));
        Assert.False(File.Exists(Path.Join(_temp.Path, "escape.txt")));
    }
}
