using HeavySync.Planning;

namespace HeavySync.State.Sqlite;

/// <summary>A <c>runs</c> row, the plan summary in its columns.</summary>
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
    public long PublishedThrough { get; set; }

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
        PublishedThrough = PublishedThrough,
    };
}
