namespace HeavySync.Storage;

/// <summary>
/// A read-only stream over one download that, when the connection breaks, the body stalls or it ends
/// early, reopens the rest through a store-supplied ranged read (bounded attempts without progress).
/// Yields exactly the bytes [start, end) or fails with a <see cref="StoreException"/>. Stores pin the
/// reopened reads to the version first read (ETag, generation), so the bytes never mix versions.
/// </summary>
public sealed class ResumingReadStream : ReadOnlyStream
{
    private readonly Func<long, CancellationToken, Task<Stream>> _reopen;
    private readonly long _end;
    private readonly int _maxAttempts;
    private readonly TimeSpan _readTimeout;
    private readonly string _what;
    private Stream? _body;
    private long _position;

    /// <summary>Wraps the first body.</summary>
    /// <param name="reopen">Opens the bytes from the given offset to <paramref name="end"/> (retried by the store).</param>
    /// <param name="body">The first body, positioned at <paramref name="start"/>; owned from now on.</param>
    /// <param name="start">Offset of the first byte of <paramref name="body"/>.</param>
    /// <param name="end">Offset after the last byte wanted.</param>
    /// <param name="maxAttempts">Reads in a row that may fail before giving up.</param>
    /// <param name="readTimeout">Longest wait for the next bytes.</param>
    /// <param name="what">Description for messages ("GET gs://b/k").</param>
    public ResumingReadStream(Func<long, CancellationToken, Task<Stream>> reopen, Stream body, long start, long end, int maxAttempts, TimeSpan readTimeout, string what)
    {
        ArgumentNullException.ThrowIfNull(reopen);
        ArgumentNullException.ThrowIfNull(body);
        _reopen = reopen;
        _body = body;
        _position = start;
        _end = end;
        _maxAttempts = maxAttempts;
        _readTimeout = readTimeout;
        _what = what;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= _end || buffer.Length == 0)
        {
            return 0;
        }

        var want = (int)Math.Min(buffer.Length, _end - _position);
        for (var attempt = 1; ; attempt++)
        {
            Exception? failure;
            try
            {
                _body ??= await _reopen(_position, cancellationToken).ConfigureAwait(false);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(_readTimeout);
                var read = await _body.ReadAsync(buffer[..want], deadline.Token).ConfigureAwait(false);
                if (read > 0)
                {
                    _position += read;
                    return read;
                }

                failure = new IOException("the response body ended before its declared length");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            if (_body is not null)
            {
                await _body.DisposeAsync().ConfigureAwait(false);
                _body = null;
            }

            if (attempt >= _maxAttempts)
            {
                throw new StoreException(StoreErrorKind.Transient, $"{_what}: the connection broke {attempt} times at byte {_position}", failure);
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body?.Dispose();
            _body = null;
        }

        base.Dispose(disposing);
    }
}
