using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// Reads the content of one upload in chunks of exactly the asked size, hashing what it reads (MD5
/// and CRC32C, compared with what GCS stored and sent with the last chunk), and checks at the
/// declared end that the content ends there. One read at a time.
/// <para>Content that is a <see cref="HashingReadStream"/> not yet read (the copier's) already
/// hashes every byte this reader takes from it, so its hasher is used instead of a second pass over
/// the same bytes: for a large object, MD5 is the bulk of the client's CPU. When that hasher computes
/// no MD5 (the copier knows the source's, see <see cref="StoreCapabilities.VerifiesStatedMd5"/>), the
/// MD5 this reader reports is the stated one, which goes to the server in the last chunk's
/// <c>X-Goog-Hash</c> and is checked there against every byte stored.</para>
/// </summary>
internal sealed class HashingChunkReader : IDisposable
{
    private readonly string _key;
    private readonly Stream _content;
    private readonly long _length;
    private readonly ContentHasher _hasher;
    private readonly bool _ownsHasher;
    private readonly byte[]? _statedMd5;
    private byte[]? _md5Digest;

    /// <param name="key">The object's key (for errors).</param>
    /// <param name="content">The content.</param>
    /// <param name="length">Its declared length.</param>
    /// <param name="statedMd5Hex">The MD5 the content should have (lower-case hex), when known;
    /// required when <paramref name="content"/> is a <see cref="HashingReadStream"/> that computes no MD5.</param>
    /// <exception cref="InvalidOperationException">The content is hashed without MD5 and no valid MD5 is stated.</exception>
    public HashingChunkReader(string key, Stream content, long length, string? statedMd5Hex = null)
    {
        _key = key;
        _content = content;
        _length = length;
        if (content is HashingReadStream { BytesRead: 0 } hashing)
        {
            _hasher = hashing.Hasher;
        }
        else
        {
            _hasher = new ContentHasher();
            _ownsHasher = true;
        }

        if (!_hasher.ComputesMd5)
        {
            _statedMd5 = Md5Bytes(statedMd5Hex)
                ?? throw new InvalidOperationException($"the content of '{key}' is hashed without MD5, so its MD5 must be stated");
        }
    }

    /// <summary>Whether <see cref="Md5"/> is computed from the bytes read (else it is the stated MD5,
    /// which only the server's check of the whole upload confirms).</summary>
    public bool Md5IsComputed => _statedMd5 is null;

    /// <summary>Bytes read so far.</summary>
    public long Position { get; private set; }

    /// <summary>CRC32C of what was read.</summary>
    public uint Crc32c => _hasher.Crc32cSoFar;

    /// <summary>The MD5 of the whole content, once every byte was read; null before. Stated rather
    /// than computed when <see cref="Md5IsComputed"/> is false.</summary>
    public byte[]? Md5 => _md5Digest;

    /// <summary>The MD5 of the whole content as lower-case hex, once every byte was read; null before.</summary>
    public string? Md5Hex => _md5Digest is null ? null : Convert.ToHexStringLower(_md5Digest);

    /// <summary>Fills <paramref name="buffer"/> from the content; at the declared length, also checks
    /// the content ends and completes the MD5.</summary>
    public async Task<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await ContentReader.ReadExactlyAsync(_key, _content, buffer, _length, cancellationToken).ConfigureAwait(false);
        if (_ownsHasher)
        {
            _hasher.Append(buffer.Span);
        }

        Position += buffer.Length;
        if (_hasher.BytesHashed != Position)
        {
            // Only possible if something else read the copier's stream: these hashes would not be this content's.
            throw new InvalidOperationException($"the content of '{_key}' was hashed over {_hasher.BytesHashed} bytes, but {Position} were read for the upload");
        }

        if (Position == _length)
        {
            await ContentReader.EnsureEndedAsync(_key, _content, _length, cancellationToken).ConfigureAwait(false);
            _hasher.Finish();
            _md5Digest = _statedMd5 ?? _hasher.Md5;
        }

        return buffer.Length;
    }

    private static byte[]? Md5Bytes(string? hex)
    {
        var bytes = new byte[16];
        return hex is { Length: 32 } && Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == 16
            ? bytes
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHasher)
        {
            _hasher.Dispose();
        }
    }
}
