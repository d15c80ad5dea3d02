using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// Reads the content of one upload in chunks of exactly the asked size, hashing what it reads (MD5
/// and CRC32C, compared with what GCS stored and sent with the last chunk), and checks at the
/// declared end that the content ends there. One read at a time.
/// <para>Content that is a <see cref="HashingReadStream"/> not yet read (the copier's) already
/// hashes every byte this reader takes from it, so its hasher is used instead of a second pass over
/// the same bytes: for a large object, MD5 is the bulk of the client's CPU.</para>
/// </summary>
internal sealed class HashingChunkReader : IDisposable
{
    private readonly string _key;
    private readonly Stream _content;
    private readonly long _length;
    private readonly ContentHasher _hasher;
    private readonly bool _ownsHasher;
    private byte[]? _md5Digest;

    public HashingChunkReader(string key, Stream content, long length)
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
    }

    /// <summary>Bytes read so far.</summary>
    public long Position { get; private set; }

    /// <summary>CRC32C of what was read.</summary>
    public uint Crc32c => _hasher.Crc32cSoFar;

    /// <summary>The MD5 of the whole content, once every byte was read; null before.</summary>
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
            _md5Digest = _hasher.Md5;
        }

        return buffer.Length;
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
