using System.Runtime.CompilerServices;
using HeavySync.Storage;

namespace HeavySync.Tests.Engine;

/// <summary>Fault injection around a real store: chosen keys fail reads with a chosen kind, a set number of times.</summary>
internal sealed class FaultyStore(IObjectStore inner) : IObjectStore
{
    private readonly Dictionary<string, (StoreErrorKind Kind, int Remaining)> readFaults = new(StringComparer.Ordinal);
    private readonly HashSet<string> vanished = new(StringComparer.Ordinal);

    public string Location => inner.Location;

    public StoreCapabilities Capabilities => inner.Capabilities;

    public int ReadAttempts { get; private set; }

    /// <summary>Reads of <paramref name="key"/> fail with <paramref name="kind"/> the next <paramref name="times"/> times.</summary>
    public void FailReads(string key, StoreErrorKind kind, int times = int.MaxValue) => readFaults[key] = (kind, times);

    /// <summary>The key is listed but gone by the time it is copied.</summary>
    public void VanishAfterListing(string key) => vanished.Add(key);

    /// <summary>For each entry listed, the span that was current while the store produced it (null: none).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity?> ListingSpans { get; } = new();

    public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in inner.ListAsync(startAfter, cancellationToken).ConfigureAwait(false))
        {
            // A store's listing requests run here, under whatever span the consumer made current.
            ListingSpans.Enqueue(System.Diagnostics.Activity.Current);
            yield return entry;
        }
    }

    public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken) =>
        vanished.Contains(key) ? Task.FromResult<ObjectEntry?>(null) : inner.StatAsync(key, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        lock (readFaults)
        {
            ReadAttempts++;
            if (readFaults.TryGetValue(key, out var fault) && fault.Remaining > 0)
            {
                readFaults[key] = (fault.Kind, fault.Remaining - 1);
                throw new StoreException(fault.Kind, $"injected {fault.Kind} reading '{key}'", retryAfter: TimeSpan.FromMilliseconds(1));
            }
        }

        return inner.OpenReadAsync(key, offset, length, cancellationToken);
    }

    public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken) => inner.WriteAsync(request, content, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
