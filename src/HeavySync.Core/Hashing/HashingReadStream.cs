using HeavySync.Storage;

namespace HeavySync.Hashing;

/// <summary>
/// A read-only, forward-only stream that passes an inner stream through while hashing every byte
/// read (MD5 and CRC-32C through <see cref="Hasher"/>). The copier hands it to an upload so that
/// the checksum of what was actually sent is known without a second read.
/// </summary>
/// <remarks>
/// <see cref="Length"/> reports the expected length given at construction, because upload SDKs
/// ask for it up front and the inner stream (an HTTP response body) usually cannot say.
/// When the inner stream reports end of data the hasher is finished, so its results are readable
/// even if the consumer disposes this stream, as SDKs commonly do. Whether the length read matches
/// the expected length is for the verifier to judge: compare <see cref="BytesRead"/> with it.
/// With <see cref="ExpectedMd5Hex"/> or <see cref="ExpectedCrc32c"/> set, the read that completes
/// the expected length fails when the bytes read have another checksum: the consumer (an upload, a
/// local file about to be renamed into place) never sees the end of content that differs from the
/// source's, so it never commits it.
/// </remarks>
public sealed class HashingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly long _expectedLength;
    private readonly bool _leaveOpen;
    private readonly string? _expectedMd5Hex;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The readable stream to pass through.</param>
    /// <param name="expectedLength">The content length this stream reports as <see cref="Length"/>.</param>
    /// <param name="leaveOpen">Whether disposing this stream leaves <paramref name="inner"/> open.</param>
    /// <param name="computeMd5">False to hash CRC-32C only (see <see cref="ContentHasher"/>): for content
    /// whose MD5 the source states and the destination checks itself.</param>
    public HashingReadStream(Stream inner, long expectedLength, bool leaveOpen = false, bool computeMd5 = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        if (!inner.CanRead)
        {
            throw new ArgumentException("The inner stream must be readable.", nameof(inner));
        }

        _inner = inner;
        _expectedLength = expectedLength;
        _leaveOpen = leaveOpen;
        Hasher = new ContentHasher(computeMd5);
    }

    /// <summary>The MD5 the source declares for the content (lower-case hex), checked once the expected length was read; null: none.</summary>
    /// <exception cref="InvalidOperationException">Set on a stream that computes no MD5.</exception>
    public string? ExpectedMd5Hex
    {
        get => _expectedMd5Hex;
        init => _expectedMd5Hex = value is null || Hasher.ComputesMd5
            ? value
            : throw new InvalidOperationException("A stream that computes no MD5 cannot check one.");
    }

    /// <summary>The CRC-32C the source declares for the content, checked once the expected length was read; null: none.</summary>
    public uint? ExpectedCrc32c { get; init; }

    /// <summary>The hashes of everything read so far; finished once end of data was read.</summary>
    public ContentHasher Hasher { get; }

    /// <summary>How many bytes have been read through this stream.</summary>
    public long BytesRead => Hasher.BytesHashed;

    /// <inheritdoc />
    public override bool CanRead => !_disposed;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <summary>The expected content length given at construction.</summary>
    public override long Length => _expectedLength;

    /// <summary>The number of bytes read so far; setting it is not supported.</summary>
    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException("A hashing stream reads forward only.");
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = _inner.Read(buffer);
        Observe(buffer[..read], buffer.Length);
        return read;
    }

    /// <inheritdoc />
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..read], buffer.Length);
        return read;
    }

    /// <summary>Does nothing: the stream is read-only.</summary>
    public override void Flush()
    {
    }

    /// <summary>Not supported: the stream reads forward only.</summary>
    public override long Seek(long offset, SeekOrigin origin) =>
        throw new NotSupportedException("A hashing stream reads forward only.");

    /// <summary>Not supported: the stream is read-only.</summary>
    public override void SetLength(long value) => throw new NotSupportedException("A hashing stream is read-only.");

    /// <summary>Not supported: the stream is read-only.</summary>
    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A hashing stream is read-only.");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Hasher.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Hasher.Dispose();
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
            }
        }

        // The base implementation calls Dispose(), which finds the work done and suppresses finalization.
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Fails the read that completed the content when its checksum is not the source's.</summary>
    private void CheckExpected()
    {
        if (ExpectedCrc32c is { } crc && crc != Hasher.Crc32cSoFar)
        {
            throw new StoreException(StoreErrorKind.Transient, "checksum mismatch reading the source: the CRC32C of the bytes read differs from the source's");
        }

        if (ExpectedMd5Hex is { } md5 && !string.Equals(md5, Hasher.Md5HexSoFar(), StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(StoreErrorKind.Transient, $"checksum mismatch reading the source: it says MD5 {md5}, the bytes read have {Hasher.Md5HexSoFar()}");
        }
    }

    private void Observe(ReadOnlySpan<byte> read, int requested)
    {
        if (read.Length > 0)
        {
            Hasher.Append(read);
            if (BytesRead == _expectedLength)
            {
                CheckExpected();
            }
        }
        else if (requested > 0)
        {
            // A zero-byte read of a non-empty buffer is end of data: fix the hashes now.
            Hasher.Finish();
        }
    }
}
