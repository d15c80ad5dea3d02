namespace HeavySync.State.Sqlite;

/// <summary>A <c>tasks</c> row.</summary>
internal sealed class TaskRow
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public string Key { get; set; } = "";
    public long Action { get; set; }
    public long Size { get; set; }
    public string? SourceFingerprint { get; set; }
    public long Status { get; set; }
    public long Attempts { get; set; }
    public string? Error { get; set; }

    /// <summary>0: the destination listing did not show the key; 1: it showed
    /// <see cref="DestinationVersion"/>; null: nothing to check.</summary>
    public long? DestinationExists { get; set; }

    public string? DestinationVersion { get; set; }

    public TaskRecord ToRecord() =>
        new(Id, RunId, Key, (TaskAction)Action, Size, SourceFingerprint, (WorkTaskStatus)Status, checked((int)Attempts), Error)
        {
            ExpectedDestination = DestinationExists is { } exists ? Storage.ExpectedDestination.FromListing(exists != 0, DestinationVersion) : null,
        };
}
