namespace HeavySync.Storage;

/// <summary>What a store needs to write one object.</summary>
/// <param name="Key">Destination key, relative to the location prefix.</param>
/// <param name="Length">Exact number of bytes the content stream yields.</param>
public sealed record WriteRequest(string Key, long Length)
{
    /// <summary>Source modification time to preserve (local mtime, or S3 "mtime" metadata).</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>MD5 of the content when already known (lower-case hex); stores may send it for server-side verification.</summary>
    public string? Md5 { get; init; }

    /// <summary>Content type to store, when the source had one.</summary>
    public string? ContentType { get; init; }

    /// <summary>Where a resumable upload may record its session so a later attempt (even after a
    /// crash) continues it; null when nothing is recorded (the default).</summary>
    public UploadSessionSlot? UploadSession { get; init; }

    /// <summary>What the run's listing saw at <see cref="Key"/>; null (the default) for no
    /// precondition. A store that supports preconditions writes only if the key still holds it and
    /// otherwise fails with <see cref="StoreErrorKind.Permanent"/> ("changed since listing"), so an
    /// object written by someone else meanwhile is not overwritten; stores without them ignore it.</summary>
    public ExpectedDestination? ExpectedDestination { get; init; }
}
