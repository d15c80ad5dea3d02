using System.Diagnostics;
using HeavySync.Telemetry;

namespace HeavySync.Bench.Plan;

/// <summary>
/// Times the lister's phases from its own spans (the ones an OTLP backend would show): each
/// "list page" span covers one batch's trip into the state store, "plan" the plan, "publish" the
/// publishing; CPU is read where the plan starts and ends. Nothing in the engine is wrapped or
/// changed to measure it.
/// </summary>
internal sealed class PhaseClock : IDisposable
{
    private readonly CpuMeter _cpu;
    private readonly ActivityListener _listener;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TimeSpan> _pageTime = new(StringComparer.Ordinal);

    public PhaseClock(CpuMeter cpu)
    {
        _cpu = cpu;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HeavySyncTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = Started,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>When the plan span started (the end of listing), UTC.</summary>
    public DateTime? PlanStarted { get; private set; }

    /// <summary>Duration of the plan span.</summary>
    public TimeSpan Plan { get; private set; }

    /// <summary>CPU used when the plan started.</summary>
    public CpuReading PlanStartCpu { get; private set; }

    /// <summary>CPU used when the plan ended.</summary>
    public CpuReading PlanEndCpu { get; private set; }

    /// <summary>Duration of the publish span.</summary>
    public TimeSpan Publish { get; private set; }

    /// <summary>Time spent inside the state store's batch calls, per side ("Source", "Destination").</summary>
    public TimeSpan PageTime(string side)
    {
        lock (_gate)
        {
            return _pageTime.GetValueOrDefault(side);
        }
    }

    /// <summary>Forgets what was measured (before the next run).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _pageTime.Clear();
            PlanStarted = null;
            Plan = Publish = TimeSpan.Zero;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Started(Activity activity)
    {
        if (activity.OperationName == "plan")
        {
            PlanStartCpu = _cpu.Read();
        }
    }

    private void Stopped(Activity activity)
    {
        lock (_gate)
        {
            switch (activity.OperationName)
            {
                case "list page":
                    var side = activity.GetTagItem(TelemetryTags.Side) as string ?? "?";
                    _pageTime[side] = _pageTime.GetValueOrDefault(side) + activity.Duration;
                    break;
                case "plan":
                    PlanEndCpu = _cpu.Read();
                    PlanStarted = activity.StartTimeUtc;
                    Plan = activity.Duration;
                    break;
                case var name when name.StartsWith("publish", StringComparison.Ordinal):
                    // Messaging conventions name it after the queue: "publish <queue>".
                    Publish = activity.Duration;
                    break;
            }
        }
    }
}
