using HeavySync.Telemetry;

namespace HeavySync.Engine;

/// <summary>
/// Lowers copy concurrency when a store throttles and raises it back slowly (AIMD, as TCP does):
/// each throttle signal halves the limit (at most once per <see cref="CoolDown"/>, since one burst
/// of throttling produces many signals); every <see cref="CoolDown"/> without one adds a worker
/// back, up to the configured maximum.
/// </summary>
public sealed class ConcurrencyGovernor
{
    private readonly int maximum;
    private readonly TimeProvider time;
    private readonly object gate = new();
    private int limit;
    private int active;
    private DateTimeOffset lastChange;

    public ConcurrencyGovernor(int maximum, TimeProvider? time = null)
    {
        this.maximum = Math.Max(1, maximum);
        this.time = time ?? TimeProvider.System;
        limit = this.maximum;
        lastChange = this.time.GetUtcNow();
    }

    /// <summary>How long between two changes of the limit.</summary>
    public static TimeSpan CoolDown { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The current limit.</summary>
    public int Limit
    {
        get
        {
            lock (gate)
            {
                Recover();
                return limit;
            }
        }
    }

    /// <summary>Takes a slot when one is free under the current limit.</summary>
    public bool TryEnter()
    {
        lock (gate)
        {
            Recover();
            if (active >= limit)
            {
                return false;
            }

            active++;
            return true;
        }
    }

    /// <summary>Gives a slot back.</summary>
    public void Exit()
    {
        lock (gate)
        {
            active--;
        }
    }

    /// <summary>A store said "slow down".</summary>
    public void OnThrottled()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (now - lastChange < CoolDown && limit < maximum)
            {
                return;
            }

            var lowered = Math.Max(1, limit / 2);
            if (lowered < limit)
            {
                HeavySyncTelemetry.ConcurrencyReductions.Add(1);
            }

            limit = lowered;
            lastChange = now;
        }
    }

    private void Recover()
    {
        var now = time.GetUtcNow();
        if (limit < maximum && now - lastChange >= CoolDown)
        {
            limit++;
            lastChange = now;
        }
    }
}
