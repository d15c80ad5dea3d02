using System.Collections;
using System.Globalization;

namespace HeavySync.Telemetry;

/// <summary>
/// The log scope of one pass over a run: <c>heavysync.job</c>, <c>heavysync.run</c> and
/// <c>heavysync.run.number</c> as key/value pairs (attributes in OTLP, fields in JSON console
/// lines), and "job J run N" as text.
/// </summary>
internal sealed class RunLogScope(string job, long runId, int runNumber) : IReadOnlyList<KeyValuePair<string, object>>
{
    private readonly KeyValuePair<string, object>[] pairs =
    [
        new(TelemetryTags.Job, job),
        new(TelemetryTags.Run, runId),
        new(TelemetryTags.RunNumber, runNumber),
    ];

    public int Count => pairs.Length;

    public KeyValuePair<string, object> this[int index] => pairs[index];

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object>>)pairs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"job {job} run {runNumber}");
}
