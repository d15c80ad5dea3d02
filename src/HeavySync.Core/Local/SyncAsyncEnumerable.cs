namespace HeavySync.Local;

/// <summary>
/// Presents a synchronous, lazily evaluated sequence as <see cref="IAsyncEnumerable{T}"/> without a
/// state machine or allocation per item: directory enumeration has no asynchronous API to await.
/// Honours both the token given when the sequence was made and the one given to the enumerator
/// (<c>WithCancellation</c>), as an async iterator with <c>[EnumeratorCancellation]</c> would.
/// </summary>
internal sealed class SyncAsyncEnumerable<T>(Func<CancellationToken, IEnumerable<T>> source, CancellationToken createdWith)
    : IAsyncEnumerable<T>
{
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource? linked = null;
        var token = createdWith;
        if (cancellationToken.CanBeCanceled && createdWith.CanBeCanceled && cancellationToken != createdWith)
        {
            linked = CancellationTokenSource.CreateLinkedTokenSource(createdWith, cancellationToken);
            token = linked.Token;
        }
        else if (cancellationToken.CanBeCanceled)
        {
            token = cancellationToken;
        }

        return new Enumerator(source(token).GetEnumerator(), token, linked);
    }

    private sealed class Enumerator(IEnumerator<T> inner, CancellationToken cancellationToken, CancellationTokenSource? linked)
        : IAsyncEnumerator<T>
    {
        public T Current => inner.Current;

        public ValueTask<bool> MoveNextAsync()
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new ValueTask<bool>(inner.MoveNext());
        }

        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            linked?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
