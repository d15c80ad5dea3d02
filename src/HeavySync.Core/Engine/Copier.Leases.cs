using Microsoft.Extensions.Logging;

namespace HeavySync.Engine;

public sealed partial class Copier
{
    /// <summary>
    /// The heartbeat of every held message, buffered ones included: a message is due once its lease
    /// was set <see cref="CopierOptions.LeaseRenewInterval"/> ago; when one is due, every held message
    /// whose lease is at least half that old is extended with it, in one batched request (queues
    /// split it where their API needs), to three intervals from now.
    /// </summary>
    private async Task HeartbeatAsync(CancellationToken stop)
    {
        var interval = options.LeaseRenewInterval;
        var tick = interval / 4 > TimeSpan.FromMilliseconds(50) ? interval / 4 : TimeSpan.FromMilliseconds(50);
        try
        {
            while (true)
            {
                await Task.Delay(tick, clock, stop).ConfigureAwait(false);
                List<HeldMessage> renew;
                var now = clock.GetTimestamp();
                lock (gate)
                {
                    if (!held.Any(e => clock.GetElapsedTime(e.LeaseSetAt, now) >= interval))
                    {
                        continue;
                    }

                    renew = [.. held.Where(e => clock.GetElapsedTime(e.LeaseSetAt, now) >= interval / 2)];
                }

                try
                {
                    await queue.ExtendLeasesAsync([.. renew.Select(e => e.Received)], interval * 3, CancellationToken.None).ConfigureAwait(false);
                    lock (gate)
                    {
                        renew.ForEach(e => e.LeaseSetAt = now);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A missed renewal risks a duplicate delivery, which is harmless (invariant 2); the next tick tries again.
                    LogRenewFailed(ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Every message is settled: no more renewals.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew message leases: {Cause}")]
    private partial void LogRenewFailed(string cause);
}
