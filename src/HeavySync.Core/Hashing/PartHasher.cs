using System.Buffers;
using System.Security.Cryptography;

namespace HeavySync.Hashing;

/// <summary>
/// Splits content into fixed-size parts and keeps each part's MD5, for
/// <see cref="MultipartETag.ComputeForContent"/>. The caller reads into <see cref="NextBuffer"/>
/// (never spanning a part boundary) and reports the count with <see cref="Advance"/>.
/// </summary>
internal sealed class PartHasher : IDisposable
{
    private readonly long _partSizeBytes;
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly List<byte[]> _partMd5s = [];
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(81920);
    private long _inPart;

    public PartHasher(long partSizeBytes) => _partSizeBytes = partSizeBytes;

    /// <summary>Room for the next read, cut short at the end of the current part.</summary>
    public Memory<byte> NextBuffer() => _buffer.AsMemory(0, (int)Math.Min(_buffer.Length, _partSizeBytes - _inPart));

    /// <summary>Hashes the <paramref name="count"/> bytes just read into <see cref="NextBuffer"/>.</summary>
    public void Advance(int count)
    {
        _md5.AppendData(_buffer, 0, count);
        _inPart += count;
        if (_inPart == _partSizeBytes)
        {
            _partMd5s.Add(_md5.GetHashAndReset());
            _inPart = 0;
        }
    }

    /// <summary>The multipart ETag of everything advanced over; empty content is one empty part.</summary>
    public string Finish()
    {
        if (_inPart > 0 || _partMd5s.Count == 0)
        {
            _partMd5s.Add(_md5.GetHashAndReset());
            _inPart = 0;
        }

        return MultipartETag.Compute(_partMd5s);
    }

    public void Dispose()
    {
        _md5.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
