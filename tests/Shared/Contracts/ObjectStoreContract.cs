using System.Text;
using HeavySync.Storage;

namespace HeavySync.Tests.Contracts;

/// <summary>
/// The behaviour every <see cref="IObjectStore"/> promises, run against each implementation
/// (rclone's fstests idea). A store joins by deriving and implementing <see cref="CreateStoreAsync"/>;
/// clean-up of what the factory created belongs in an override of <see cref="DisposeAsync"/>.
/// </summary>
public abstract class ObjectStoreContract : IAsyncLifetime
{
    private readonly List<IObjectStore> _stores = [];

    /// <summary>A fresh, EMPTY store of its own (own directory or prefix).</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>A store whose location does not exist (for the Fatal case); null skips that case.</summary>
    protected virtual Task<IObjectStore?> CreateMissingLocationStoreAsync() => Task.FromResult<IObjectStore?>(null);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task WriteAsync_ThenStatAndRead_RoundTripsBytesAndSize()
    {
        var store = await NewStoreAsync();
        var data = Bytes(1000, seed: 1);

        var written = await WriteAsync(store, "round/trip.bin", data);
        var stat = await store.StatAsync("round/trip.bin", CancellationToken.None);

        Assert.Equal("round/trip.bin", written.Key);
        Assert.Equal(data.Length, written.Size);
        Assert.NotNull(stat);
        Assert.Equal("round/trip.bin", stat.Key);
        Assert.Equal(data.Length, stat.Size);
        Assert.Equal(data, await ReadAsync(store, "round/trip.bin"));
    }

    [Fact]
    public async Task OpenReadAsync_Range_ReturnsThoseBytes()
    {
        var store = await NewStoreAsync();
        var data = Bytes(4096, seed: 2);
        await WriteAsync(store, "ranged.bin", data);

        Assert.Equal(data[100..300], await ReadAsync(store, "ranged.bin", 100, 200));
        Assert.Equal(data[4000..], await ReadAsync(store, "ranged.bin", 4000, null));
        Assert.Equal(data[10..], await ReadAsync(store, "ranged.bin", 10, null));
        Assert.Empty(await ReadAsync(store, "ranged.bin", 50, 0));
    }

    [Fact]
    public async Task WriteAsync_ExistingKey_ReplacesContent()
    {
        var store = await NewStoreAsync();
        await WriteAsync(store, "over.txt", Encoding.UTF8.GetBytes("first version, longer"));

        var second = Encoding.UTF8.GetBytes("second");
        await WriteAsync(store, "over.txt", second);

        Assert.Equal(second, await ReadAsync(store, "over.txt"));
        Assert.Equal(second.Length, (await store.StatAsync("over.txt", CancellationToken.None))!.Size);
        Assert.Single(await ListAsync(store));
    }

    [Fact]
    public async Task WriteAsync_WithLastModified_PreservedWithinMtimePrecision()
    {
        var store = await NewStoreAsync();
        var precision = store.Capabilities.MtimePrecision;
        if (precision == TimeSpan.Zero)
        {
            return; // The store cannot keep a chosen mtime; nothing to check.
        }

        var mtime = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
        var written = await WriteAsync(store, "dated.txt", Bytes(10, 3), mtime);
        var stat = await store.StatAsync("dated.txt", CancellationToken.None);
        var listed = Assert.Single(await ListAsync(store));

        AssertWithin(mtime, written.LastModified, precision);
        AssertWithin(mtime, stat!.LastModified, precision);
        AssertWithin(mtime, listed.LastModified, precision);
    }

    [Fact]
    public async Task ListAsync_AwkwardKeys_ReturnsExactlyTheWrittenKeysAndSizes()
    {
        var store = await NewStoreAsync();
        var keys = AwkwardKeys();
        for (var i = 0; i < keys.Length; i++)
        {
            await WriteAsync(store, keys[i], Bytes(i * 7, seed: i));
        }

        var listed = await ListAsync(store);

        Assert.Equal(
            keys.Select((k, i) => (k, (long)(i * 7))).OrderBy(x => x.k, StringComparer.Ordinal),
            listed.Select(e => (e.Key, e.Size)).OrderBy(x => x.Key, StringComparer.Ordinal));
        foreach (var key in keys)
        {
            Assert.NotNull(await store.StatAsync(key, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ListAsync_OrderedStore_ReturnsUtf8ByteOrderAndResumesAfterStartAfter()
    {
        var store = await NewStoreAsync();
        if (!store.Capabilities.OrderedListing)
        {
            return; // Only ordered stores promise order and resumption.
        }

        foreach (var key in AwkwardKeys())
        {
            await WriteAsync(store, key, Bytes(3, seed: 4));
        }

        var listed = (await ListAsync(store)).Select(e => e.Key).ToList();
        var byteOrder = listed.OrderBy(k => k, Utf8KeyOrder.Instance).ToList();
        Assert.Equal(byteOrder, listed);

        // The pair that UTF-16 order sorts the other way round: bytes put ｆ first, then the emoji,
        // and resuming after ｆ must start at the emoji, not skip it.
        Assert.True(string.CompareOrdinal(Utf8KeyOrder.Emoji, Utf8KeyOrder.Fullwidth) < 0, "the keys no longer separate the two orders");
        var fullwidth = listed.IndexOf(Utf8KeyOrder.Fullwidth);
        Assert.True(fullwidth >= 0 && listed.IndexOf(Utf8KeyOrder.Emoji) == fullwidth + 1, string.Join(" | ", listed));
        var afterFullwidth = (await ListAsync(store, startAfter: Utf8KeyOrder.Fullwidth)).Select(e => e.Key).ToList();
        Assert.Equal(listed.Skip(fullwidth + 1), afterFullwidth);

        var resumed = (await ListAsync(store, startAfter: listed[2])).Select(e => e.Key).ToList();
        Assert.Equal(listed.Skip(3), resumed);
    }

    [Fact]
    public async Task ListAsync_UnorderedStoreWithStartAfter_ThrowsArgumentException()
    {
        var store = await NewStoreAsync();
        if (store.Capabilities.OrderedListing)
        {
            return; // Ordered stores accept startAfter.
        }

        await Assert.ThrowsAnyAsync<ArgumentException>(() => ListAsync(store, startAfter: "a"));
    }

    [Fact]
    public async Task ListAsync_EmptyStore_ReturnsNothing()
    {
        var store = await NewStoreAsync();

        Assert.Empty(await ListAsync(store));
    }

    [Fact]
    public async Task StatAsync_MissingKey_ReturnsNull()
    {
        var store = await NewStoreAsync();
        await WriteAsync(store, "present.txt", Bytes(1, 5));

        Assert.Null(await store.StatAsync("absent.txt", CancellationToken.None));
        Assert.Null(await store.StatAsync("deeper/absent.txt", CancellationToken.None));
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ThrowsNotFound()
    {
        var store = await NewStoreAsync();

        var error = await Assert.ThrowsAsync<StoreException>(() => ReadAsync(store, "absent/thing.txt"));

        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_StatReturnsNullAndListingEmpty()
    {
        var store = await NewStoreAsync();
        await WriteAsync(store, "gone/soon.txt", Bytes(10, 6));

        await store.DeleteAsync("gone/soon.txt", CancellationToken.None);

        Assert.Null(await store.StatAsync("gone/soon.txt", CancellationToken.None));
        Assert.Empty(await ListAsync(store));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_Succeeds()
    {
        var store = await NewStoreAsync();

        await store.DeleteAsync("never/was.txt", CancellationToken.None);
        await store.DeleteAsync("never.txt", CancellationToken.None);
    }

    [Fact]
    public async Task WriteAsync_ContentShorterThanLength_FailsAndLeavesNothing()
    {
        var store = await NewStoreAsync();
        var content = new MemoryStream(Bytes(50, 7));

        await Assert.ThrowsAsync<StoreException>(
            () => store.WriteAsync(new WriteRequest("short/obj.bin", 100), content, CancellationToken.None));

        Assert.Null(await store.StatAsync("short/obj.bin", CancellationToken.None));
        Assert.Empty(await ListAsync(store));
    }

    [Fact]
    public async Task WriteAsync_ContentLongerThanLength_FailsAndLeavesNothing()
    {
        var store = await NewStoreAsync();
        var content = new MemoryStream(Bytes(150, 8));

        await Assert.ThrowsAsync<StoreException>(
            () => store.WriteAsync(new WriteRequest("long/obj.bin", 100), content, CancellationToken.None));

        Assert.Null(await store.StatAsync("long/obj.bin", CancellationToken.None));
        Assert.Empty(await ListAsync(store));
    }

    [Fact]
    public async Task WriteAsync_ZeroBytes_StoresEmptyObject()
    {
        var store = await NewStoreAsync();

        var written = await WriteAsync(store, "empty.txt", []);

        Assert.Equal(0, written.Size);
        Assert.Equal(0, (await store.StatAsync("empty.txt", CancellationToken.None))!.Size);
        Assert.Empty(await ReadAsync(store, "empty.txt"));
        Assert.Equal(0, Assert.Single(await ListAsync(store)).Size);
    }

    [Fact]
    public async Task WriteAsync_FiveMiB_RoundTrips()
    {
        var store = await NewStoreAsync();
        var data = Bytes(5 * 1024 * 1024 + 17, seed: 9);

        var written = await WriteAsync(store, "big/five.bin", data);

        Assert.Equal(data.Length, written.Size);
        Assert.Equal(data, await ReadAsync(store, "big/five.bin"));
        Assert.Equal(data[(3 * 1024 * 1024)..(4 * 1024 * 1024)], await ReadAsync(store, "big/five.bin", 3 * 1024 * 1024, 1024 * 1024));
    }

    [Fact]
    public async Task ListAsync_MissingLocation_ThrowsFatal()
    {
        var store = await CreateMissingLocationStoreAsync();
        if (store is null)
        {
            return; // The implementation cannot express a missing location.
        }

        _stores.Add(store);
        var error = await Assert.ThrowsAsync<StoreException>(() => ListAsync(store));

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
    }

    /// <summary>Keys that break naive path, URL or form encoding.</summary>
    protected static string[] AwkwardKeys() =>
    [
        "plain.txt",
        "with space.txt",
        "ünï/çødé.txt",
        "100%.txt",
        "a+b=c.txt",
        "hash#tag.txt",
        "q?x&y.txt",
        "a/b/c/d.txt",
        "a/b/sibling.txt",
        "emoji-😀.txt",
        "ｆｕｌｌｗｉｄｔｈ.txt",
        Utf8KeyOrder.Fullwidth, // with the next key: the two orders disagree (see Utf8KeyOrder)
        Utf8KeyOrder.Emoji,
        "Zed.txt",
    ];

    /// <summary>Creates a store through the factory and disposes it after the test.</summary>
    protected async Task<IObjectStore> NewStoreAsync()
    {
        var store = await CreateStoreAsync();
        _stores.Add(store);
        return store;
    }

    /// <summary>Deterministic pseudo-random content.</summary>
    protected static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    protected static Task<ObjectEntry> WriteAsync(IObjectStore store, string key, byte[] data, DateTimeOffset? mtime = null) =>
        store.WriteAsync(new WriteRequest(key, data.Length) { LastModified = mtime }, new MemoryStream(data), CancellationToken.None);

    protected static async Task<byte[]> ReadAsync(IObjectStore store, string key, long offset = 0, long? length = null)
    {
        await using var stream = await store.OpenReadAsync(key, offset, length, CancellationToken.None);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    protected static async Task<List<ObjectEntry>> ListAsync(IObjectStore store, string? startAfter = null)
    {
        var entries = new List<ObjectEntry>();
        await foreach (var entry in store.ListAsync(startAfter, CancellationToken.None))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static void AssertWithin(DateTimeOffset expected, DateTimeOffset? actual, TimeSpan precision)
    {
        Assert.NotNull(actual);
        var difference = (actual.Value - expected).Duration();
        Assert.True(difference < precision,
            $"mtime {actual.Value:O} differs from {expected:O} by {difference} (precision {precision})");
    }
}
