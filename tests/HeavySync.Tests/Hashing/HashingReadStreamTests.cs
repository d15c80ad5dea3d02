using System.Security.Cryptography;
using HeavySync.Hashing;

namespace HeavySync.Tests.Hashing;

public sealed class HashingReadStreamTests
{
    private static readonly byte[] Content = MakeContent(70_001);

    public enum ReadApi
    {
        ArraySync,
        SpanSync,
        ByteSync,
        ArrayAsync,
        MemoryAsync,
        CopyToAsync,
    }

    [Theory]
    [InlineData(ReadApi.ArraySync, 7)]
    [InlineData(ReadApi.ArraySync, 4096)]
    [InlineData(ReadApi.SpanSync, 13)]
    [InlineData(ReadApi.SpanSync, 65_537)]
    [InlineData(ReadApi.ByteSync, 1)]
    [InlineData(ReadApi.ArrayAsync, 31)]
    [InlineData(ReadApi.MemoryAsync, 1)]
    [InlineData(ReadApi.MemoryAsync, 8191)]
    [InlineData(ReadApi.CopyToAsync, 0)]
    public async Task Read_OddChunkSizes_HashesEveryByte(ReadApi api, int chunkSize)
    {
        // The inner stream returns short reads, as network streams do, to test partial buffers.
        using var stream = new HashingReadStream(new TrickleStream(Content, 1000), Content.Length);
        var copy = new MemoryStream();
        await ReadAllAsync(stream, api, chunkSize, copy);

        Assert.Equal(Content, copy.ToArray());
        Assert.True(stream.Hasher.IsFinished);
        Assert.Equal(Content.Length, stream.BytesRead);
        Assert.Equal(Content.Length, stream.Position);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Content)), stream.Hasher.Md5Hex);
        Assert.Equal(Crc32c.Compute(Content), stream.Hasher.Crc32c);
    }

    [Fact]
    public void Length_IsExpectedLengthEvenWhenInnerCannotSeek()
    {
        using var stream = new HashingReadStream(new TrickleStream(Content, 10), 12345);
        Assert.Equal(12345, stream.Length);
        Assert.Equal(0, stream.Position);
        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
    }

    [Fact]
    public void Results_AfterConsumerDisposesAtEnd_StayReadable()
    {
        var stream = new HashingReadStream(new MemoryStream(Content), Content.Length);
        stream.CopyTo(Stream.Null);
        stream.Dispose();
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Content)), stream.Hasher.Md5Hex);
    }

    [Fact]
    public void Dispose_LeaveOpen_KeepsInnerOpen()
    {
        var inner = new MemoryStream(Content);
        new HashingReadStream(inner, Content.Length, leaveOpen: true).Dispose();
        Assert.True(inner.CanRead);
    }

    [Fact]
    public async Task DisposeAsync_Default_ClosesInner()
    {
        var inner = new MemoryStream(Content);
        await new HashingReadStream(inner, Content.Length).DisposeAsync();
        Assert.False(inner.CanRead);
    }

    [Fact]
    public void ZeroLengthRead_BeforeEnd_DoesNotFinish()
    {
        using var stream = new HashingReadStream(new MemoryStream(Content), Content.Length);
        Assert.Equal(0, stream.Read([], 0, 0));
        Assert.False(stream.Hasher.IsFinished);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Read_CompletingContentWithAnotherChecksum_FailsBeforeTheConsumerSeesTheEnd(bool crc, bool md5)
    {
        var changed = Content.ToArray();
        changed[^1] ^= 1;
        await using var stream = new HashingReadStream(new MemoryStream(changed), changed.Length)
        {
            ExpectedCrc32c = crc ? Crc32c.Compute(Content) : null,
            ExpectedMd5Hex = md5 ? Convert.ToHexStringLower(MD5.HashData(Content)) : null,
        };
        var buffer = new byte[changed.Length - 1];
        await stream.ReadExactlyAsync(buffer);

        var error = await Assert.ThrowsAsync<HeavySync.Storage.StoreException>(async () => await stream.ReadAtLeastAsync(new byte[16], 1, throwOnEndOfStream: false));

        Assert.Equal(HeavySync.Storage.StoreErrorKind.Transient, error.Kind);
        Assert.Contains(crc ? "CRC32C" : "MD5", error.Message);
    }

    [Fact]
    public async Task Read_ContentWithTheExpectedChecksums_ReadsToTheEnd()
    {
        await using var stream = new HashingReadStream(new MemoryStream(Content), Content.Length)
        {
            ExpectedCrc32c = Crc32c.Compute(Content),
            ExpectedMd5Hex = Convert.ToHexStringLower(MD5.HashData(Content)),
        };

        await stream.CopyToAsync(Stream.Null);

        Assert.Equal(Content.Length, stream.BytesRead);
        Assert.True(stream.Hasher.IsFinished);
    }

    [Fact]
    public async Task WithoutMd5_HashesCrc32cOnly_AndCannotBeAskedToCheckAnMd5()
    {
        var data = new byte[10_000];
        new Random(5).NextBytes(data);
        await using var stream = new HashingReadStream(new MemoryStream(data), data.Length, computeMd5: false) { ExpectedCrc32c = Crc32c.Compute(data) };

        await stream.CopyToAsync(Stream.Null);

        Assert.False(stream.Hasher.ComputesMd5);
        Assert.Equal(Crc32c.Compute(data), stream.Hasher.Crc32c);
        Assert.Throws<InvalidOperationException>(() => new HashingReadStream(new MemoryStream(data), data.Length, computeMd5: false) { ExpectedMd5Hex = new string('0', 32) });
    }

    [Fact]
    public void SeekAndWrite_Throw()
    {
        using var stream = new HashingReadStream(new MemoryStream(Content), Content.Length);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.Position = 1);
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(1));
    }

    private static async Task ReadAllAsync(Stream stream, ReadApi api, int chunkSize, Stream sink)
    {
        var buffer = new byte[Math.Max(chunkSize, 1)];
        while (true)
        {
            int read;
            switch (api)
            {
                case ReadApi.ArraySync:
                    read = stream.Read(buffer, 0, buffer.Length);
                    break;
                case ReadApi.SpanSync:
                    read = stream.Read(buffer.AsSpan());
                    break;
                case ReadApi.ByteSync:
                    var value = stream.ReadByte();
                    read = value < 0 ? 0 : 1;
                    buffer[0] = (byte)Math.Max(value, 0);
                    break;
                case ReadApi.ArrayAsync:
                    read = await stream.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None);
                    break;
                case ReadApi.MemoryAsync:
                    read = await stream.ReadAsync(buffer.AsMemory(), CancellationToken.None);
                    break;
                default:
                    await stream.CopyToAsync(sink);
                    return;
            }

            if (read == 0)
            {
                return;
            }

            sink.Write(buffer, 0, read);
        }
    }

    private static byte[] MakeContent(int length)
    {
        var bytes = new byte[length];
        new Random(1996).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A non-seekable stream that returns at most a few bytes per read.</summary>
    private sealed class TrickleStream(byte[] content, int maxPerRead) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, maxPerRead), content.Length - _position);
            content.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
