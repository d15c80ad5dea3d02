using System.Security.Cryptography;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// Reads the content of one upload in chunks of exactly the asked size, hashing what it reads (MD5
/// and CRC32C, compared with what GCS stored and sent with the last chunk), and checks at the
/// declared end that the content ends there. One read at a time.
/// </summary>
internal sealed class HashingChunkReader(string key, Stream content, long length) : IDisposable
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private byte[]? _md5Digest;

    /// <summary>Bytes read so far.</summary>
    public long Position { get; private set; }

    /// <summary>CRC32C of what was read.</summary>
    public uint Crc32c { get; private set; }

    /// <summary>The MD5 of the whole content, once every byte was read; null before.</summary>
    public byte[]? Md5 => _md5Digest;

    /// <summary>The MD5 of the whole content as lower-case hex, once every byte was read; null before.</summary>
    public string? Md5Hex => _md5Digest is null ? null : Convert.ToHexStringLower(_md5Digest);

    /// <summary>Fills <paramref name="buffer"/> from the content; at the declared length, also checks
    /// the content ends and completes the MD5.</summary>
    public async Task<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await ContentReader.ReadExactlyAsync(key, content, buffer, length, cancellationToken).ConfigureAwait(false);
        _md5.AppendData(buffer.Span);
        Crc32c = Hashing.Crc32c.Append(Crc32c, buffer.Span);
        Position += buffer.Length;
        if (Position == length)
        {
            await ContentReader.EnsureEndedAsync(key, content, length, cancellationToken).ConfigureAwait(false);
            _md5Digest = _md5.GetHashAndReset();
        }

        return buffer.Length;
    }

    /// <inheritdoc />
    public void Dispose() => _md5.Dispose();
}
