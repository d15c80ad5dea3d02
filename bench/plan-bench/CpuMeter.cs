using System.Globalization;

namespace HeavySync.Bench.Plan;

/// <summary>
/// CPU time used so far by this process and by the local Postgres server (its postmaster, the
/// children it has reaped, and the live ones: backends, parallel workers, autovacuum, WAL writer).
/// On a shared machine wall-clock time mostly measures the neighbours; CPU time measures the work.
/// </summary>
internal sealed class CpuMeter
{
    // USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux build that matters here.
    private const double TicksPerSecond = 100;

    private readonly int? _postmaster;

    /// <param name="backendPid">A backend's pid (pg_backend_pid()); its parent is the postmaster.</param>
    public CpuMeter(int backendPid)
    {
        var stat = ReadStat(backendPid);
        _postmaster = stat is null ? null : int.Parse(stat[1], CultureInfo.InvariantCulture);
    }

    /// <summary>False when the server is not on this machine (no server CPU then).</summary>
    public bool SeesServer => _postmaster is not null;

    /// <summary>A reading of both clocks.</summary>
    public CpuReading Read() => new(Environment.CpuUsage.TotalTime, ServerTime());

    private TimeSpan ServerTime()
    {
        if (_postmaster is not { } postmaster || ReadStat(postmaster) is not { } own)
        {
            return TimeSpan.Zero;
        }

        // Fields after "(comm)": [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
        var ticks = Field(own, 11) + Field(own, 12) + Field(own, 13) + Field(own, 14);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } child && child[1] == own[^1])
            {
                ticks += Field(child, 11) + Field(child, 12);
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>/proc/PID/stat after the command name, with the pid appended last; null when gone.</summary>
    private static string[]? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return [.. fields, pid.ToString(CultureInfo.InvariantCulture)];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Field(string[] stat, int index) => long.Parse(stat[index], CultureInfo.InvariantCulture);
}
