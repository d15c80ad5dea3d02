using System.Runtime.CompilerServices;
using HeavySync.Storage;
using HeavySync.Tests.Time;

namespace HeavySync.Tests.Engine;

/// <summary>
/// An ordered listing whose entries arrive one per <paramref name="perEntry"/> of a manual clock,
/// like pages of a slow bucket. Before yielding each entry it calls <paramref name="probe"/> and keeps
/// what it returns, so a test sees what the state held at that moment of the listing. Listing only.
/// </summary>
internal sealed class PacedStore(IReadOnlyList<string> keys, ManualTimeProvider clock, TimeSpan perEntry, Func<Task<string?>> probe) : IObjectStore
{
    /// <summary>What the probe returned before each entry, in listing order.</summary>
    public List<string?> Probed { get; } = [];

    public string Location => "paced://test";

    public StoreCapabilities Capabilities { get; } = new() { OrderedListing = true };

    public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var key in keys.Where(k => startAfter is null || string.CompareOrdinal(k, startAfter) > 0))
        {
            clock.Advance(perEntry);
            Probed.Add(await probe());
            yield return new ObjectEntry(key, 1) { Md5 = "00000000000000000000000000000000" };
        }
    }

    public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
