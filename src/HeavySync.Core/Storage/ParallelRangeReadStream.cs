using System.Buffers;

namespace HeavySync.Storage;

/// <summary>
/// Reads a whole large object as fixed-size ranges fetched in parallel and yielded in order. Memory
/// is bounded: at most <c>parallelism</c> pooled chunk buffers exist at once. Stores pass a fetch
/// that reads one range inside their retry, so a broken or truncated range is fetched again.
/// </summary>
public sealed class ParallelRangeReadStream : ReadOnlyStream
{
    private readonly Func<long, byte[], int, CancellationToken, Task> _fetch;
    private readonly long _size;
    private readonly int _chunkBytes;
    private readonly int _parallelism;
    private readonly CancellationTokenSource _cts;
    private readonly Queue<Task<Chunk>> _inFlight = new();
    private long _nextFetch;
    private Chunk? _current;
    private int _currentOffset;
    private bool _disposed;

    /// <summary>Starts fetching the first ranges.</summary>
    /// <param name="fetch">Fills the buffer with exactly <c>count</c> bytes at <c>from</c> (args: from, buffer, count, token), or throws.</param>
    /// <param name="size">The object's size: ranges cover [0, size).</param>
    /// <param name="chunkBytes">Bytes per range.</param>
    /// <param name="parallelism">Ranges buffered or in flight at once (the memory bound).</param>
    /// <param name="cancellationToken">Cancels every fetch.</param>
    public ParallelRangeReadStream(Func<long, byte[], int, CancellationToken, Task> fetch, long size, int chunkBytes, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parallelism);
        _fetch = fetch;
        _size = size;
        _chunkBytes = chunkBytes;
        _parallelism = parallelism;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Fill();
    }

    /// <inheritdoc />
    public override long Length => _size;

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        if (_current is null || _currentOffset >= _current.Length)
        {
            Release();
            if (_inFlight.Count == 0)
            {
                return 0;
            }

            _current = await _inFlight.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false);
            _currentOffset = 0;
            Fill();
        }

        var n = Math.Min(buffer.Length, _current.Length - _currentOffset);
        _current.Buffer.AsMemory(_currentOffset, n).CopyTo(buffer);
        _currentOffset += n;
        return n;
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _cts.CancelAsync().ConfigureAwait(false);
        while (_inFlight.Count > 0)
        {
            try
            {
                ArrayPool<byte>.Shared.Return((await _inFlight.Dequeue().ConfigureAwait(false)).Buffer);
            }
            catch (Exception)
            {
                // The fetch failed or was cancelled: its buffer went back to the pool already.
            }
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _cts.Cancel();
            Release();
            while (_inFlight.Count > 0)
            {
                var pending = _inFlight.Dequeue();
                try
                {
                    // Wait so no fetch still writes into a buffer we hand back to the pool.
                    ArrayPool<byte>.Shared.Return(pending.GetAwaiter().GetResult().Buffer);
                }
                catch (Exception)
                {
                    // The fetch failed or was cancelled: its buffer went back to the pool already.
                }
            }

            _cts.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Starts fetches until <c>parallelism</c> chunks are buffered or in flight; the chunk
    /// being read counts, which bounds memory at <c>parallelism</c> buffers.</summary>
    private void Fill()
    {
        var held = _current is null ? 0 : 1;
        while (_nextFetch < _size && _inFlight.Count + held < _parallelism)
        {
            var from = _nextFetch;
            var count = (int)Math.Min(_chunkBytes, _size - from);
            _nextFetch += count;
            _inFlight.Enqueue(FetchAsync(from, count));
        }
    }

    private async Task<Chunk> FetchAsync(long from, int count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            await _fetch(from, buffer, count, _cts.Token).ConfigureAwait(false);
            return new Chunk(buffer, count);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private void Release()
    {
        if (_current is not null)
        {
            ArrayPool<byte>.Shared.Return(_current.Buffer);
            _current = null;
        }
    }

    private sealed record Chunk(byte[] Buffer, int Length);
}
