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

    public async Task<bool> IsIdleAsync(CancellationToken cancellationToken)
    {
        if (limit is not { } max)
        {
            return false;
        }

        var settled = progress.Copied + progress.Failed + progress.Vanished;
        var depth = await queue.GetApproximateDepthAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        lock (gate)
        {
            if (settled != lastSettled || depth > 0)
            {
                lastSettled = settled;
                idleSince = now;
                return false;
            }

            return now - idleSince >= max;
        }
    }
}
