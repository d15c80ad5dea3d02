using System.Collections.Concurrent;
using HeavySync.Copy;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Engine;

/// <summary>
/// The cluster copier's contexts: it serves messages of every job, so it opens each job's stores on
/// first use (with the job's settings) and keeps them (memory grows with jobs, not with runs or
/// objects); one outcome writer serves every run.
/// Disposing flushes every writer and closes every store.
/// </summary>
public sealed class JobCopyContextSource(IStateStore state, JobOpener open, TimeProvider? time = null, Action<long>? onBytes = null)
    : ICopyContextSource, IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, Lazy<Task<JobContext?>>> jobs = new();
    private readonly OutcomeWriter writer = new(state);
    private readonly ConcurrentDictionary<long, CopyExecutor> executors = new();

    /// <inheritdoc />
    public async ValueTask<CopyContext?> GetAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        var lazy = jobs.GetOrAdd(message.JobId, id => new Lazy<Task<JobContext?>>(() => OpenAsync(id, cancellationToken)));
        JobContext? job;
        try
        {
            job = await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed open (a transient store error, a cancelled wait) is tried again next time.
            jobs.TryRemove(new KeyValuePair<long, Lazy<Task<JobContext?>>>(message.JobId, lazy));
            throw;
        }

        if (job is null)
        {
            return null;
        }

        var executor = executors.GetOrAdd(message.JobId, _ => new CopyExecutor(job.Source, job.Destination, time, onBytes: onBytes, uploadSessions: state as IUploadSessionStore, jobId: message.JobId));
        return new CopyContext(executor, writer);
    }

    private async Task<JobContext?> OpenAsync(long jobId, CancellationToken cancellationToken)
    {
        var jobs = await state.ListJobsAsync(cancellationToken).ConfigureAwait(false);
        var job = jobs.FirstOrDefault(j => j.Id == jobId);
        return job is null ? null : await open(job, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await writer.DisposeAsync().ConfigureAwait(false);

        foreach (var lazy in jobs.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result is { } job)
            {
                await job.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
