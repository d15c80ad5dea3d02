using System.Diagnostics;
using HeavySync.State;
using Microsoft.Extensions.Logging;

namespace HeavySync.Telemetry;

/// <summary>
/// The span that makes one pass over a run one trace (a lister's pass, a one-machine sync, a
/// finalizer closing a run), and the log scope that names the job and run in every log record of
/// the pass. A process learns its run only after it started (the lister creates or resumes it), so
/// the run is an attribute of these spans and scopes rather than of the telemetry resource.
/// </summary>
public static class RunSpans
{
    /// <summary>Starts <paramref name="name"/> for job <paramref name="jobId"/> (with its name when it has one); null when nobody listens.</summary>
    public static Activity? Start(string name, long jobId, string? jobName, RunRecord? run = null)
    {
        var activity = HeavySyncTelemetry.Source.StartActivity(name);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(TelemetryTags.Job, jobId);
        if (jobName is not null)
        {
            activity.SetTag(TelemetryTags.JobName, jobName);
        }

        if (run is not null)
        {
            activity.SetTag(TelemetryTags.Run, run.Id);
            activity.SetTag(TelemetryTags.RunNumber, run.Number);
        }

        return activity;
    }

    /// <summary>
    /// A log scope holding <c>heavysync.job</c> (the name, or the id of an unnamed job) and
    /// <c>heavysync.run</c>, which structured log outputs (OTLP, JSON console) turn into attributes.
    /// </summary>
    public static IDisposable? BeginLogScope(ILogger logger, string? jobName, RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(run);
        return logger.BeginScope(new RunLogScope(jobName ?? run.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Id, run.Number));
    }
}
