namespace HeavySync.Storage;

/// <summary>
/// A response body that also disposes the response it came from, so a reader that owns only the
/// stream still releases the connection (an HTTP response, an SDK GET answer).
/// </summary>
/// <param name="inner">The body; reads pass straight through.</param>
/// <param name="owner">Disposed after <paramref name="inner"/>.</param>
public sealed class OwningReadStream(Stream inner, IDisposable owner) : ReadOnlyStream
{
    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }

        base.Dispose(disposing);
    }
}
