using HeavySync.Engine;
using HeavySync.Queue;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// Tells a copier with <c>--idle-exit</c> when it has had no work for that long: nothing settled by
/// this copier and an empty queue (as far as the queue can tell) for the whole period.
/// Without a limit it never says idle: the copier runs until stopped.
/// </summary>
internal sealed class IdleDetector(SyncProgress progress, IWorkQueue queue, TimeSpan? limit, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly Lock gate = new();
    private long lastSettled = -1;
    private DateTimeOffset idleSince;

    /// <summary>
    /// True once nothing was settled for the whole limit and the queue then reports no message.
    /// The depth (a queue request) is asked only once the limit has passed, not on every empty receive.
    /// </summary>
    public async Task<bool> IsIdleAsync(CancellationToken cancellationToken)
    {
        if (limit is not { } max)
        {
            return false;
        }

        var settled = progress.Copied + progress.Failed + progress.Vanished;
        lock (gate)
        {
            var now = clock.GetUtcNow();
            if (settled != lastSettled)
            {
                lastSettled = settled;
                idleSince = now;
                return false;
            }

            if (now - idleSince < max)
            {
                return false;
            }
        }

        var depth = await queue.GetApproximateDepthAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            if (depth > 0)
            {
                idleSince = clock.GetUtcNow();
                return false;
            }

            return true;
        }
    }
}
