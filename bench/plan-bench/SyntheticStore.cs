using System.Runtime.CompilerServices;
using HeavySync.Storage;

namespace HeavySync.Bench.Plan;

/// <summary>
/// One side of a <see cref="SyntheticKeySpace"/> as an <see cref="IObjectStore"/>: an ordered,
/// resumable listing generated on the fly, like an S3 bucket of single-part objects. Only listing is
/// served; the bench never copies, so reads and writes are refused.
/// </summary>
internal sealed class SyntheticStore(SyntheticKeySpace space, StoreSide side) : IObjectStore
{
    public string Location { get; } = $"synthetic://{side.ToString().ToLowerInvariant()}";

    public StoreCapabilities Capabilities { get; } = new()
    {
        ChecksumKinds = ChecksumKinds.Md5 | ChecksumKinds.MultipartETag,
        MtimePrecision = TimeSpan.FromSeconds(1),
        OrderedListing = true,
    };

    public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = startAfter is null ? 0 : SyntheticKeySpace.IndexOf(startAfter) + 1;
        for (var u = from; u < space.Universe; u++)
        {
            // A real listing arrives a page at a time; let cancellation in at the same rhythm.
            if (u % 1_000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }

            var entry = side == StoreSide.Source ? SyntheticKeySpace.Source(u) : SyntheticKeySpace.Destination(u);
            if (entry is not null)
            {
                yield return entry;
            }
        }
    }

    public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(side == StoreSide.Source ? SyntheticKeySpace.Source(SyntheticKeySpace.IndexOf(key)) : SyntheticKeySpace.Destination(SyntheticKeySpace.IndexOf(key)));

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) =>
        throw new StoreException(StoreErrorKind.Permanent, $"{Location} holds listings only");

    public Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken) =>
        throw new StoreException(StoreErrorKind.Permanent, $"{Location} holds listings only");

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        throw new StoreException(StoreErrorKind.Permanent, $"{Location} holds listings only");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
