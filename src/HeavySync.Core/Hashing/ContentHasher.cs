using System.Security.Cryptography;

namespace HeavySync.Hashing;

/// <summary>
/// Computes MD5 and CRC-32C of one stream of bytes in a single pass, so a copier can verify against
/// whichever checksum the other store offers without reading the content twice.
/// Append the content, call <see cref="Finish"/>, then read the results. Not thread-safe.
/// <para>MD5 costs about ten times the CPU of CRC-32C (which the processor computes): a hasher made
/// without it (<see cref="ComputesMd5"/> false) is for content whose MD5 is already known and checked
/// by someone else, a destination that refuses content differing from a stated MD5.</para>
/// </summary>
public sealed class ContentHasher : IDisposable
{
    private readonly IncrementalHash? _md5;
    private uint _crc32c;
    private byte[]? _md5Result;
    private bool _finished;
    private bool _disposed;

    /// <summary>A hasher of MD5 and CRC-32C, or of CRC-32C alone.</summary>
    /// <param name="computeMd5">False to compute CRC-32C only; the MD5 results then throw.</param>
    public ContentHasher(bool computeMd5 = true)
    {
        _md5 = computeMd5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
    }

    /// <summary>Whether this hasher computes MD5 (else only CRC-32C).</summary>
    public bool ComputesMd5 => _md5 is not null;

    /// <summary>How many bytes have been appended.</summary>
    public long BytesHashed { get; private set; }

    /// <summary>Whether <see cref="Finish"/> has run; results are readable from then on.</summary>
    public bool IsFinished => _finished;

    /// <summary>The MD5 digest (16 bytes; a copy).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> has not been called, or the
    /// hasher computes no MD5.</exception>
    public byte[] Md5 => (byte[])FinishedMd5().Clone();

    /// <summary>The MD5 digest as 32 lower-case hex digits (the form S3 ETags use).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> has not been called.</exception>
    public string Md5Hex => Convert.ToHexStringLower(FinishedMd5());

    /// <summary>The MD5 digest as base64 (the form GCS md5Hash and Content-MD5 use).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> has not been called.</exception>
    public string Md5Base64 => Convert.ToBase64String(FinishedMd5());

    /// <summary>The finished CRC-32C.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> has not been called.</exception>
    public uint Crc32c => _finished ? _crc32c : throw NotFinished();

    /// <summary>Feeds the next bytes of the content.</summary>
    /// <exception cref="InvalidOperationException">The hasher is already finished.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsFinished)
        {
            throw new InvalidOperationException("The content hasher is finished; create a new one for more content.");
        }

        _md5?.AppendData(data);
        _crc32c = Hashing.Crc32c.Append(_crc32c, data);
        BytesHashed += data.Length;
    }

    /// <summary>
    /// Ends the content and fixes the results. Calling it again does nothing, so a stream that
    /// finishes at end of data and a caller that finishes afterwards do not conflict.
    /// </summary>
    public void Finish()
    {
        if (IsFinished)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        _md5Result = _md5?.GetHashAndReset();
        _finished = true;
    }

    /// <summary>The MD5 of what was appended so far, as lower-case hex, without finishing.</summary>
    public string Md5HexSoFar()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _md5Result is { } done ? Convert.ToHexStringLower(done) : Convert.ToHexStringLower(Md5State().GetCurrentHash());
    }

    /// <summary>The CRC-32C of what was appended so far, without finishing.</summary>
    public uint Crc32cSoFar => _crc32c;

    /// <summary>Releases the MD5 state. Results of a finished hasher stay readable.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _md5?.Dispose();
        }
    }

    private byte[] FinishedMd5() =>
        _md5Result ?? throw (_finished ? NoMd5() : NotFinished());

    private IncrementalHash Md5State() => _md5 ?? throw NoMd5();

    private static InvalidOperationException NotFinished() => new("Call Finish before reading the content hashes.");

    private static InvalidOperationException NoMd5() => new("This hasher computes no MD5 (it was made for CRC-32C only).");
}
