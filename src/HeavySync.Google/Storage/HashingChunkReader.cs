using System.Security.Cryptography;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

/// <summary>
/// Reads the content of one upload in chunks of exactly the asked size, hashing what it reads (MD5
/// and CRC32C, compared with what GCS stored), and checks at the declared end that the content ends
/// there. One read at a time.
/// </summary>
internal sealed class HashingChunkReader(string key, Stream content, long length) : IDisposable
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    /// <summary>Bytes read so far.</summary>
    public long Position { get; private set; }

    /// <summary>CRC32C of what was read.</summary>
    public uint Crc32c { get; private set; }

    /// <summary>Fills <paramref name="buffer"/> from the content; at the declared length, also checks the content ends.</summary>
    public async Task<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await ContentReader.ReadExactlyAsync(key, content, buffer, length, cancellationToken).ConfigureAwait(false);
        _md5.AppendData(buffer.Span);
        Crc32c = Hashing.Crc32c.Append(Crc32c, buffer.Span);
        Position += buffer.Length;
        if (Position == length)
        {
            await ContentReader.EnsureEndedAsync(key, content, length, cancellationToken).ConfigureAwait(false);
        }

        return buffer.Length;
    }

    /// <summary>The MD5 of everything read, lower-case hex.</summary>
    public string FinishMd5Hex() => Convert.ToHexStringLower(_md5.GetHashAndReset());

    /// <inheritdoc />
    public void Dispose() => _md5.Dispose();
}
