namespace HeavySync.Bench.Plan;

/// <summary>CPU time used so far by the bench process (the lister) and by the Postgres server.</summary>
/// <param name="Client">This process, all threads.</param>
/// <param name="Server">The Postgres server, all processes (zero when it runs elsewhere).</param>
internal readonly record struct CpuReading(TimeSpan Client, TimeSpan Server)
{
    /// <summary>Both together.</summary>
    public TimeSpan Total => Client + Server;

    /// <summary>The CPU used between two readings.</summary>
    public static CpuReading operator -(CpuReading later, CpuReading earlier) =>
        new(later.Client - earlier.Client, later.Server - earlier.Server);
}
