namespace HeavySync.Engine;

/// <summary>
/// Live counters of one sync, updated by the engine and read by whatever displays progress.
/// Stores know nothing of it (as rclone's accounting). Thread-safe; reads are racy snapshots.
/// </summary>
public sealed class SyncProgress
{
    private long sourceListed;
    private long destinationListed;
    private long copied;
    private long copiedBytes;
    private long skippedKeys;
    private long failed;
    private long vanished;
    private long deleted;

    /// <summary>What the sync is doing now ("listing", "copying", ...).</summary>
    public string Phase { get; set; } = "starting";

    /// <summary>Objects the plan will copy in this process (set after planning, minus work done before a resume).</summary>
    public long PlannedObjects { get; set; }

    /// <summary>Bytes the plan will copy in this process.</summary>
    public long PlannedBytes { get; set; }

    public long SourceListed => Interlocked.Read(ref sourceListed);
    public long DestinationListed => Interlocked.Read(ref destinationListed);
    public long Copied => Interlocked.Read(ref copied);
    public long CopiedBytes => Interlocked.Read(ref copiedBytes);
    public long SkippedKeys => Interlocked.Read(ref skippedKeys);
    public long Failed => Interlocked.Read(ref failed);
    public long Vanished => Interlocked.Read(ref vanished);
    public long Deleted => Interlocked.Read(ref deleted);

    public void AddListed(bool source, long count) => Interlocked.Add(ref source ? ref sourceListed : ref destinationListed, count);
    /// <summary>One more object copied (its bytes were counted as they moved; see <see cref="AddBytes"/>).</summary>
    public void AddCopied() => Interlocked.Increment(ref copied);

    /// <summary>Bytes transferred, counted as they stream so large objects show progress.</summary>
    public void AddBytes(long bytes) => Interlocked.Add(ref copiedBytes, bytes);

    public void AddSkippedKey() => Interlocked.Increment(ref skippedKeys);
    public void AddFailed() => Interlocked.Increment(ref failed);
    public void AddVanished() => Interlocked.Increment(ref vanished);
    public void AddDeleted(long count) => Interlocked.Add(ref deleted, count);
}
