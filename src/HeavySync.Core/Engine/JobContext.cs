using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Engine;

/// <summary>A job's opened stores and its options, as the cluster roles need them.</summary>
/// <param name="Job">The job.</param>
/// <param name="Source">Its source store.</param>
/// <param name="Destination">Its destination store.</param>
/// <param name="Options">Its options (compare mode, filters, delete cap...).</param>
public sealed record JobContext(JobRecord Job, IObjectStore Source, IObjectStore Destination, SyncOptions Options) : IAsyncDisposable
{
    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync().ConfigureAwait(false);
        await Destination.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Opens a job's stores with the job's own settings (the host knows how: providers, credentials).</summary>
public delegate ValueTask<JobContext> JobOpener(JobRecord job, CancellationToken cancellationToken);
