using System.Security.Cryptography;
using HeavySync.Google.Storage;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>The upload's chunk reader: its hashes are the content's, whether it hashes on its own or
/// takes them from the copier's hashing stream (one pass over the bytes instead of two).</summary>
public sealed class HashingChunkReaderTests
{
    private static readonly byte[] Content = RandomNumberGenerator.GetBytes((3 * 4096) + 17);

    [Fact]
    public async Task PlainContent_IsHashedByTheReader()
    {
        using var reader = new HashingChunkReader("k", new MemoryStream(Content), Content.Length);

        await ReadAllAsync(reader, Content.Length);

        AssertHashesOf(Content, reader);
    }

    [Fact]
    public async Task HashingStreamNotYetRead_ItsHasherIsUsed_AndTheResultsAreTheContents()
    {
        await using var hashing = new HashingReadStream(new MemoryStream(Content), Content.Length);
        using var reader = new HashingChunkReader("k", hashing, Content.Length);

        await ReadAllAsync(reader, Content.Length);

        AssertHashesOf(Content, reader);
        Assert.True(hashing.Hasher.IsFinished);
        Assert.Equal(hashing.Hasher.Md5, reader.Md5);
    }

    [Fact]
    public async Task HashingStreamAlreadyPartlyRead_TheReaderHashesWhatItReads()
    {
        await using var hashing = new HashingReadStream(new MemoryStream(Content), Content.Length);
        await hashing.ReadExactlyAsync(new byte[100]);
        var rest = Content.AsSpan(100).ToArray();
        using var reader = new HashingChunkReader("k", hashing, rest.Length);

        await ReadAllAsync(reader, rest.Length);

        AssertHashesOf(rest, reader);
    }

    [Fact]
    public async Task HashingStreamWithoutMd5_TheStatedMd5IsReported_TheCrc32cIsComputed()
    {
        var stated = Convert.ToHexStringLower(MD5.HashData(Content));
        await using var hashing = new HashingReadStream(new MemoryStream(Content), Content.Length, computeMd5: false);
        using var reader = new HashingChunkReader("k", hashing, Content.Length, stated);

        Assert.False(reader.Md5IsComputed);
        Assert.Null(reader.Md5);
        await ReadAllAsync(reader, Content.Length);

        AssertHashesOf(Content, reader);
    }

    [Fact]
    public async Task HashingStreamWithoutMd5_AStatedMd5IsTakenAsStated_NotComputed()
    {
        // The server checks a stated MD5; the reader only carries it to the last chunk's X-Goog-Hash.
        var other = new string('a', 32);
        await using var hashing = new HashingReadStream(new MemoryStream(Content), Content.Length, computeMd5: false);
        using var reader = new HashingChunkReader("k", hashing, Content.Length, other);

        await ReadAllAsync(reader, Content.Length);

        Assert.Equal(other, reader.Md5Hex);
        Assert.Equal(Crc32c.Compute(Content), reader.Crc32c);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcdeX")]
    [InlineData("0123456789abcdef")]
    public async Task HashingStreamWithoutMd5_NoValidStatedMd5_Refused(string? stated)
    {
        await using var hashing = new HashingReadStream(new MemoryStream(Content), Content.Length, computeMd5: false);

        var error = Assert.Throws<InvalidOperationException>(() => new HashingChunkReader("k", hashing, Content.Length, stated));

        Assert.Contains("its MD5 must be stated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainContentWithAStatedMd5_TheComputedMd5IsReported()
    {
        using var reader = new HashingChunkReader("k", new MemoryStream(Content), Content.Length, new string('a', 32));

        await ReadAllAsync(reader, Content.Length);

        Assert.True(reader.Md5IsComputed);
        AssertHashesOf(Content, reader);
    }

    [Fact]
    public async Task ContentLongerThanDeclared_FailsAtTheDeclaredEnd()
    {
        await using var hashing = new HashingReadStream(new MemoryStream(Content), Content.Length);
        using var reader = new HashingChunkReader("k", hashing, Content.Length - 1);

        var ex = await Assert.ThrowsAsync<StoreException>(() => ReadAllAsync(reader, Content.Length - 1));

        Assert.Equal(StoreErrorKind.Transient, ex.Kind);
    }

    private static void AssertHashesOf(byte[] expected, HashingChunkReader reader)
    {
        Assert.Equal(MD5.HashData(expected), reader.Md5);
        Assert.Equal(Crc32c.Compute(expected), reader.Crc32c);
    }

    /// <summary>Reads in chunks of 4 KiB as an upload does, the last one cut to the declared end.</summary>
    private static async Task ReadAllAsync(HashingChunkReader reader, long length)
    {
        var buffer = new byte[4096];
        while (reader.Position < length)
        {
            await reader.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - reader.Position)), default);
        }
    }
}
