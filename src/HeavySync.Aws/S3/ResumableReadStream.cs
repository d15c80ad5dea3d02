using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

/// <summary>
/// A read-only stream over one GET that, when the connection breaks or the body ends early, reopens
/// the rest with a ranged GET pinned to the same ETag (bounded attempts without progress). Yields
/// exactly the requested bytes or fails with a <see cref="StoreException"/>.
/// </summary>
internal sealed class ResumableReadStream : ReadOnlyStream
{
    private readonly S3ObjectStore _store;
    private readonly string _key;
    private readonly string? _etag;
    private readonly long _end;
    private readonly int _maxAttempts;
    private readonly TimeSpan _readTimeout;
    private GetObjectResponse? _response;
    private long _position;

    public ResumableReadStream(S3ObjectStore store, string key, string? etag, GetObjectResponse response, long start, long end, int maxAttempts, TimeSpan readTimeout)
    {
        _store = store;
        _key = key;
        _etag = etag;
        _response = response;
        _position = start;
        _end = end;
        _maxAttempts = maxAttempts;
        _readTimeout = readTimeout;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
                _response ??= await _store.GetAsync(_key, _position, _end, _etag, cancellationToken).ConfigureAwait(false);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(_readTimeout);
                var read = await _response.ResponseStream.ReadAsync(buffer[..want], deadline.Token).ConfigureAwait(false);
                if (read > 0)
                {
                    _position += read;
                    return read;
                }

                failure = new IOException("the response body ended before its declared length");
            }
            catch (Exception ex) when (ex is IOException or System.Net.Http.HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            _response?.Dispose();
            _response = null;
            if (attempt >= _maxAttempts)
            {
                throw new StoreException(StoreErrorKind.Transient, $"GET {_key}: the connection broke {attempt} times at byte {_position}", failure);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _response?.Dispose();
            _response = null;
        }

        base.Dispose(disposing);
    }
}
