using HeavySync.Planning;
using HeavySync.Storage;

namespace HeavySync.State.Sqlite;

/// <summary>
/// Row shapes Dapper fills from SQLite, whose integers are all 64-bit; each maps to its Core record.
/// Times are 100-ns ticks since the Unix epoch.
/// </summary>
internal static class SqliteRows
{
    internal const string JobColumns = "id AS Id, source AS Source, destination AS Destination, created_at AS CreatedAt";

    internal const string RunColumns =
        "id AS Id, job_id AS JobId, number AS Number, phase AS Phase, source_listed AS SourceListed, " +
        "destination_listed AS DestinationListed, source_resume_after AS SourceResumeAfter, " +
        "destination_resume_after AS DestinationResumeAfter, plan_source_objects AS PlanSourceObjects, " +
        "plan_source_bytes AS PlanSourceBytes, plan_destination_objects AS PlanDestinationObjects, " +
        "plan_destination_bytes AS PlanDestinationBytes, plan_copy_objects AS PlanCopyObjects, " +
        "plan_copy_bytes AS PlanCopyBytes, plan_unchanged_objects AS PlanUnchangedObjects, " +
        "plan_delete_objects AS PlanDeleteObjects, plan_delete_bytes AS PlanDeleteBytes, " +
        "started_at AS StartedAt, finished_at AS FinishedAt, report AS Report";

    internal const string TaskColumns =
        "id AS Id, run_id AS RunId, key AS Key, action AS Action, size AS Size, src_fp AS SourceFingerprint, " +
        "status AS Status, attempts AS Attempts, error AS Error";

    internal const string ManifestColumns =
        "key AS Key, size AS Size, etag AS ETag, md5 AS Md5, crc32c AS Crc32c, mtime_ticks AS MtimeTicks, version AS Version";

    internal const string LedgerColumns =
        "key AS Key, src_fp AS SourceFingerprint, dst_fp AS DestinationFingerprint, md5 AS Md5, crc32c AS Crc32c, verified_at AS VerifiedAt";

    internal static DateTimeOffset Time(long ticks) => Fingerprint.FromUnixTicks(ticks);

    internal static DateTimeOffset? Time(long? ticks) => ticks is { } t ? Fingerprint.FromUnixTicks(t) : null;
}

internal sealed class JobRow
{
    public long Id { get; set; }
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public long CreatedAt { get; set; }

    public JobRecord ToRecord() => new(Id, Source, Destination, SqliteRows.Time(CreatedAt));
}

internal sealed class RunRow
{
    public long Id { get; set; }
    public long JobId { get; set; }
    public long Number { get; set; }
    public long Phase { get; set; }
    public long SourceListed { get; set; }
    public long DestinationListed { get; set; }
    public string? SourceResumeAfter { get; set; }
    public string? DestinationResumeAfter { get; set; }
    public long? PlanSourceObjects { get; set; }
    public long? PlanSourceBytes { get; set; }
    public long? PlanDestinationObjects { get; set; }
    public long? PlanDestinationBytes { get; set; }
    public long? PlanCopyObjects { get; set; }
    public long? PlanCopyBytes { get; set; }
    public long? PlanUnchangedObjects { get; set; }
    public long? PlanDeleteObjects { get; set; }
    public long? PlanDeleteBytes { get; set; }
    public long StartedAt { get; set; }
    public long? FinishedAt { get; set; }
    public string? Report { get; set; }

    public PlanSummary? Plan => PlanSourceObjects is null
        ? null
        : new PlanSummary
        {
            SourceObjects = PlanSourceObjects ?? 0,
            SourceBytes = PlanSourceBytes ?? 0,
            DestinationObjects = PlanDestinationObjects ?? 0,
            DestinationBytes = PlanDestinationBytes ?? 0,
            CopyObjects = PlanCopyObjects ?? 0,
            CopyBytes = PlanCopyBytes ?? 0,
            UnchangedObjects = PlanUnchangedObjects ?? 0,
            DeleteObjects = PlanDeleteObjects ?? 0,
            DeleteBytes = PlanDeleteBytes ?? 0,
        };

    public RunRecord ToRecord() => new()
    {
        Id = Id,
        JobId = JobId,
        Number = checked((int)Number),
        Phase = (RunPhase)Phase,
        SourceListed = SourceListed != 0,
        DestinationListed = DestinationListed != 0,
        SourceResumeAfter = SourceResumeAfter,
        DestinationResumeAfter = DestinationResumeAfter,
        Plan = Plan,
        StartedAt = SqliteRows.Time(StartedAt),
        FinishedAt = SqliteRows.Time(FinishedAt),
        Report = Report,
    };
}

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

    public TaskRecord ToRecord() =>
        new(Id, RunId, Key, (TaskAction)Action, Size, SourceFingerprint, (WorkTaskStatus)Status, checked((int)Attempts), Error);
}

internal sealed class ManifestRow
{
    public string Key { get; set; } = "";
    public long Size { get; set; }
    public string? ETag { get; set; }
    public string? Md5 { get; set; }
    public long? Crc32c { get; set; }
    public long? MtimeTicks { get; set; }
    public string? Version { get; set; }

    public ObjectEntry ToEntry() => new(Key, Size)
    {
        ETag = ETag,
        Md5 = Md5,
        Crc32c = Crc32c is { } crc ? checked((uint)crc) : null,
        LastModified = SqliteRows.Time(MtimeTicks),
        Version = Version,
    };
}

internal sealed class LedgerRow
{
    public string Key { get; set; } = "";
    public string SourceFingerprint { get; set; } = "";
    public string DestinationFingerprint { get; set; } = "";
    public string? Md5 { get; set; }
    public long? Crc32c { get; set; }
    public long? VerifiedAt { get; set; }

    public LedgerEntry ToEntry() => new(Key, SourceFingerprint, DestinationFingerprint)
    {
        Md5 = Md5,
        Crc32c = Crc32c is { } crc ? checked((uint)crc) : null,
        VerifiedAt = SqliteRows.Time(VerifiedAt),
    };
}
