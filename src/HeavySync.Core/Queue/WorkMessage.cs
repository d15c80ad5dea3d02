using System.Text.Json.Serialization;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Queue;

/// <summary>One task as it travels on a queue.</summary>
public sealed record WorkTask(
    [property: JsonPropertyName("id")] long TaskId,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sourceFingerprint")] string? SourceFingerprint,
    [property: JsonPropertyName("action")] TaskAction Action)
{
    /// <summary>What the destination listing saw at the key (see <see cref="Storage.ExpectedDestination"/>);
    /// absent from messages of earlier builds, which then write without a precondition.</summary>
    [JsonPropertyName("destination")]
    public ExpectedDestination? ExpectedDestination { get; init; }
}

/// <summary>
/// What travels on the queue (DESIGN.md §5): a batch of tasks of one run plus the W3C trace
/// context. Versioned; see <see cref="WorkMessageCodec"/> for the wire form.
/// </summary>
public sealed record WorkMessage(
    [property: JsonPropertyName("job")] long JobId,
    [property: JsonPropertyName("run")] long RunId,
    [property: JsonPropertyName("tasks")] IReadOnlyList<WorkTask> Tasks,
    [property: JsonPropertyName("traceparent")] string? TraceParent)
{
    /// <summary>Wire format version.</summary>
    [JsonPropertyName("v")]
    public int Version { get; init; } = WorkMessageCodec.CurrentVersion;
}
