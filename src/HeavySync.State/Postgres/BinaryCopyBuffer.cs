using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace HeavySync.State.Postgres;

/// <summary>
/// Rows in PostgreSQL's binary COPY format (the PGCOPY signature, then per row a field count and
/// each field as a big-endian length and its bytes, -1 for NULL; a -1 field count ends the data),
/// built in one pooled buffer and written to a raw COPY stream in large chunks. Npgsql's
/// <c>NpgsqlBinaryImporter</c> binds a parameter for every field it writes; at millions of manifest
/// rows that bookkeeping was most of the lister's CPU (docs/benchmarks.md), this is a few stores.
/// Text is UTF-8 (the client encoding Npgsql sets) and, like Npgsql, refuses invalid UTF-16.
/// </summary>
internal sealed class BinaryCopyBuffer : IDisposable
{
    /// <summary>Bytes collected before <see cref="ShouldFlush"/> says to write them out.</summary>
    private const int FlushAt = 64 * 1024;

    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(FlushAt + 16 * 1024);
    private int _length;

    /// <summary>A buffer that starts with the COPY header.</summary>
    public BinaryCopyBuffer()
    {
        Header.CopyTo(_buffer, 0);
        _length = Header.Length;
    }

    /// <summary>Enough is buffered to be worth a write.</summary>
    public bool ShouldFlush => _length >= FlushAt;

    /// <summary>Starts a row of <paramref name="fields"/> fields.</summary>
    public void StartRow(short fields) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), fields);

    /// <summary>A <c>bigint</c> field.</summary>
    public void WriteInt64(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    /// <summary>A <c>bigint</c> field, NULL when <paramref name="value"/> is null.</summary>
    public void WriteInt64(long? value)
    {
        if (value is { } v)
        {
            WriteInt64(v);
        }
        else
        {
            WriteNull();
        }
    }

    /// <summary>An <c>integer</c> field.</summary>
    public void WriteInt32(int value)
    {
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    /// <summary>A <c>smallint</c> field.</summary>
    public void WriteInt16(short value)
    {
        var span = Reserve(6);
        BinaryPrimitives.WriteInt32BigEndian(span, 2);
        BinaryPrimitives.WriteInt16BigEndian(span[4..], value);
    }

    /// <summary>A NULL field.</summary>
    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    /// <summary>A <c>text</c> field, NULL when <paramref name="value"/> is null.</summary>
    public void WriteText(string? value)
    {
        if (value is null)
        {
            WriteNull();
        }
        else
        {
            WriteText(value.AsSpan());
        }
    }

    /// <summary>A <c>text</c> field.</summary>
    public void WriteText(ReadOnlySpan<char> value) => WriteEncoded(value, lowerAscii: false);

    /// <summary>
    /// A <c>text</c> field holding <paramref name="value"/> lower-cased (as
    /// <see cref="string.ToLowerInvariant()"/> does), NULL when it is null, without a lower-cased copy
    /// when the text is ASCII (hex digests always are).
    /// </summary>
    public void WriteLowerText(string? value)
    {
        if (value is null)
        {
            WriteNull();
        }
        else if (Ascii.IsValid(value))
        {
            WriteEncoded(value, lowerAscii: true);
        }
        else
        {
            WriteText(value.ToLowerInvariant());
        }
    }

    /// <summary>Ends the data (the -1 field count) after the last row.</summary>
    public void WriteTrailer() => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);

    /// <summary>Writes what is buffered to <paramref name="stream"/> and empties the buffer.</summary>
    public async ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        _length = 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private void WriteEncoded(ReadOnlySpan<char> value, bool lowerAscii)
    {
        var span = Reserve(4 + Utf8.GetMaxByteCount(value.Length));
        var bytes = Utf8.GetBytes(value, span[4..]);
        if (lowerAscii)
        {
            Ascii.ToLowerInPlace(span.Slice(4, bytes), out _);
        }

        BinaryPrimitives.WriteInt32BigEndian(span, bytes);

        // Reserve counted the worst case; give back what UTF-8 did not use.
        _length -= span.Length - 4 - bytes;
    }

    /// <summary>The next <paramref name="count"/> bytes of the buffer, growing it when needed.</summary>
    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
