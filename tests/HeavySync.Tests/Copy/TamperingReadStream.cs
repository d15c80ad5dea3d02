using HeavySync.Storage;

namespace HeavySync.Tests.Copy;

/// <summary>
/// A source stream that lies (fault injection): once <c>atByte</c> bytes have passed, it either
/// flips the bits of the next byte (corruption in transit) or runs <c>failure</c> and throws what it
/// returns (a source that fails mid-stream).
/// </summary>
internal sealed class TamperingReadStream(Stream inner, long atByte, Func<Exception>? failure = null) : ReadOnlyStream
{
    private long position;
    private bool tampered;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!tampered && failure is not null && position >= atByte)
        {
            tampered = true;
            throw failure();
        }

        // Never read across the tampering point in one go, so it falls exactly where asked.
        var limit = !tampered && position < atByte ? (int)Math.Min(buffer.Length, atByte - position) : buffer.Length;
        var read = inner.Read(buffer[..limit]);
        if (!tampered && failure is null && read > 0 && position <= atByte && atByte < position + read)
        {
            buffer[(int)(atByte - position)] ^= 0xFF;
            tampered = true;
        }

        position += read;
        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
