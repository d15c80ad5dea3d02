using System.Globalization;

namespace HeavySync.Bench.Plan;

/// <summary>This process's resident memory as the kernel counts it (/proc/self), the number
/// <c>/usr/bin/time</c> and a container's memory limit see: managed heap, native buffers and code.</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident set size in bytes since start or the last <see cref="ResetPeak"/> (VmHWM).</summary>
    public static long PeakBytes() => Read("VmHWM:");

    /// <summary>Current resident set size in bytes (VmRSS).</summary>
    public static long CurrentBytes() => Read("VmRSS:");

    /// <summary>
    /// Restarts the peak at the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so the
    /// peak of one phase is not the leftover of an earlier one. False when the kernel refuses.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The 1-minute load average (/proc/loadavg).</summary>
    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static long Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kb = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"{field} missing from /proc/self/status");
    }
}
