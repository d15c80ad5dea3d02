using HeavySync.Storage;

namespace HeavySync.Local;

/// <summary>
/// A read-only window over an open file: stops after a byte budget and turns I/O failures into
/// <see cref="StoreException"/>s, since stores let nothing else escape.
/// </summary>
internal sealed class LocalReadStream(FileStream file, long budget, string path) : ReadOnlyStream
{
    private long _remaining = budget;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        try
        {
            var read = file.Read(buffer[..Limit(buffer.Length)]);
            _remaining -= read;
            return read;
        }
        catch (IOException error)
        {
            throw Failed(error);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        try
        {
            var read = await file.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken).ConfigureAwait(false);
            _remaining -= read;
            return read;
        }
        catch (IOException error)
        {
            throw Failed(error);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        file.Dispose();
        return base.DisposeAsync();
    }

    private int Limit(int requested) => (int)Math.Min(requested, _remaining);

    private StoreException Failed(IOException error) =>
        new(StoreErrorKind.Transient, $"cannot read {path}: {LocalErrors.OneLine(error.Message)}", error);
}
