using System.Diagnostics;

namespace HeavySync.Telemetry;

/// <summary>
/// Makes a span the ambient <see cref="Activity.Current"/> for a block, without starting or ending
/// it, and puts the previous one back at the end: the copier's process span outlives any one block
/// (it is held across workers), so work done for its message enters and leaves it.
/// </summary>
public readonly struct AmbientActivity : IDisposable
{
    private readonly Activity? _previous;

    private AmbientActivity(Activity? previous) => _previous = previous;

    /// <summary>Makes <paramref name="activity"/> current until the returned scope is disposed.</summary>
    public static AmbientActivity Enter(Activity? activity)
    {
        var previous = Activity.Current;
        Activity.Current = activity;
        return new AmbientActivity(previous);
    }

    /// <summary>Puts back the span that was current before <see cref="Enter"/>.</summary>
    public void Dispose() => Activity.Current = _previous;
}
