namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    /// <remarks>
    /// An OS file lock (<c>flock</c>) on <see cref="JobLockPath"/>, next to the state file: every
    /// process sharing the file shares the lock, and a killed holder's lock dies with it. Lock files
    /// are left in place after release; deleting one while another process waits on it would let two
    /// holders lock two different files.
    /// </remarks>
    public Task<IAsyncDisposable?> TryLockJobAsync(long jobId, JobLockKind kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.FromResult<IAsyncDisposable?>(JobLockFile.TryAcquire(JobLockPath(jobId, kind)));
    }

    /// <summary>The lock file of a job's <paramref name="kind"/> lock: beside the state file, named after it.</summary>
    public string JobLockPath(long jobId, JobLockKind kind) =>
        $"{Path}.job-{jobId}-{kind.ToString().ToLowerInvariant()}.lock";
}
