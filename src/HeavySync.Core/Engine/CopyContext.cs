using HeavySync.Copy;
using HeavySync.Queue;

namespace HeavySync.Engine;

/// <summary>What a copier needs to execute the tasks of one run: the stores' executor and an outcome writer.</summary>
/// <param name="Executor">Copies objects between the run's source and destination.</param>
/// <param name="Outcomes">Batches outcomes into the state store (one writer may serve many runs).</param>
public sealed record CopyContext(CopyExecutor Executor, OutcomeWriter Outcomes);

/// <summary>
/// Finds the <see cref="CopyContext"/> of a message's run: one fixed context on one machine, a cache
/// of opened stores per job in a cluster copier that serves every job.
/// </summary>
public interface ICopyContextSource
{
    /// <summary>
    /// False for a message this copier must not work on (another run's, on a queue shared with other
    /// processes): the copier hands it back at once for someone else.
    /// </summary>
    bool Serves(WorkMessage message) => true;

    /// <summary>
    /// The context for <paramref name="message"/>'s run, or null when the message is obsolete (its job
    /// was deleted): the copier then acknowledges it without work. Store errors (a missing bucket,
    /// bad credentials) are thrown as <see cref="Storage.StoreException"/>.
    /// </summary>
    ValueTask<CopyContext?> GetAsync(WorkMessage message, CancellationToken cancellationToken);
}

/// <summary>One run, one pair of stores: the one-machine case. Messages of other runs (a shared queue) are not served.</summary>
public sealed class SingleRunContextSource(long runId, CopyContext context) : ICopyContextSource
{
    /// <inheritdoc />
    public bool Serves(WorkMessage message) => message.RunId == runId;

    /// <inheritdoc />
    public ValueTask<CopyContext?> GetAsync(WorkMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<CopyContext?>(context);
}
