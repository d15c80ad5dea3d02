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

    /// <remarks>Reads synchronously on the calling thread. The file is not opened for asynchronous
    /// I/O (Linux has none for regular files), so FileStream.ReadAsync would only hand the same
    /// blocking read to another thread-pool thread: a work-item hop per read that a copy of many
    /// small files pays twice per file (the data, then the end-of-file probe), for the same blocking.</remarks>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        try
        {
            return ValueTask.FromResult(Read(buffer.Span));
        }
        catch (StoreException error)
        {
            return ValueTask.FromException<int>(error);
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
