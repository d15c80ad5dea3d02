using HeavySync.Queue;
using HeavySync.State;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// One readiness dependency: a name for the report and a cheap request that throws when the
/// dependency cannot be reached.
/// </summary>
/// <param name="Name">Shown in the <c>/readyz</c> body, e.g. <c>state</c>.</param>
/// <param name="Probe">The request; any exception (or no answer in time) means not ready.</param>
internal sealed record HealthCheck(string Name, Func<CancellationToken, Task> Probe)
{
    /// <summary>The state answers a read of its (small) jobs table.</summary>
    public static HealthCheck State(IStateStore state) => new("state", ct => state.ListJobsAsync(ct));

    /// <summary>The queue answers a depth request (one cheap API call on every queue kind).</summary>
    public static HealthCheck Queue(IWorkQueue queue) => new("queue", ct => queue.GetApproximateDepthAsync(ct));
}
