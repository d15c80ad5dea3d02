namespace HeavySync.Storage;

/// <summary>
/// The required surface of a storage location: a flat namespace of keys below the location's
/// prefix. Every member throws only <see cref="StoreException"/> (classified per DESIGN.md §6) or
/// <see cref="OperationCanceledException"/>. Optional powers are announced in
/// <see cref="Capabilities"/> and offered through extra interfaces such as <see cref="IServerSideCopy"/>.
/// </summary>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>The location this store serves, as the user wrote it (for messages; never holds secrets).</summary>
    string Location { get; }

    /// <summary>What the store can do beyond this interface.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>
    /// Streams every object below the prefix. Never collects the whole listing in memory.
    /// When <see cref="StoreCapabilities.OrderedListing"/> is set, entries come in ascending ordinal
    /// (UTF-8 byte) key order and <paramref name="startAfter"/> resumes after that key; otherwise
    /// <paramref name="startAfter"/> must be null. A missing location is <see cref="StoreErrorKind.Fatal"/>.
    /// </summary>
    IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, CancellationToken cancellationToken);

    /// <summary>Metadata of one object, or null when it does not exist.</summary>
    Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of an object
    /// (to the end when length is null). A missing object is <see cref="StoreErrorKind.NotFound"/>.
    /// </summary>
    Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the whole current object and describes the version being read, or returns null when the
    /// object does not exist. The body is that version's bytes: a store whose GET answer carries the
    /// object's metadata implements this as one request (a copy then needs no separate stat), and a
    /// later range of a large read is pinned to the same version. <paramref name="pattern"/> says how
    /// the body will be consumed (whether parallel ranges can help). This default stats, then reads
    /// (ignoring the pattern); an object replaced between the two shows as a checksum or size
    /// mismatch the copier retries.
    /// </summary>
    async Task<ObjectRead?> OpenCurrentAsync(string key, ReadPattern pattern, CancellationToken cancellationToken)
    {
        var entry = await StatAsync(key, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        var body = await OpenReadAsync(key, 0, null, cancellationToken).ConfigureAwait(false);
        return new ObjectRead(entry, body);
    }

    /// <summary>
    /// Writes an object from a stream that yields exactly <see cref="WriteRequest.Length"/> bytes.
    /// The write is atomic to readers: a failure or crash never leaves a half-written object under
    /// <see cref="WriteRequest.Key"/>. Returns the object as stored (its fingerprint for the ledger).
    /// </summary>
    Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken);

    /// <summary>Deletes an object. Deleting a missing object succeeds.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
