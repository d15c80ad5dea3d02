using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Yields the given bytes, then throws an <see cref="IOException"/> instead of ending
/// (or just ends, when <paramref name="failAtEnd"/> is false: a short stream).</summary>
public sealed class FailingStream(byte[] content, bool failAtEnd = true) : ReadOnlyStream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= content.Length)
        {
            return failAtEnd ? throw new IOException("injected source failure") : 0;
        }

        var n = Math.Min(count, content.Length - _position);
        Array.Copy(content, _position, buffer, offset, n);
        _position += n;
        return n;
    }
}
