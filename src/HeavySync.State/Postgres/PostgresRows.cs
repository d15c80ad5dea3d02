using HeavySync.State.Sqlite;

namespace HeavySync.State.Postgres;

/// <summary>
/// Column lists for the row types Dapper fills. The row classes are SQLite's (<see cref="JobRow"/>,
/// <see cref="RunRow"/>...): both schemas name their columns alike and keep times as ticks, so only
/// booleans need a cast to the integers the rows hold.
/// </summary>
internal static class PostgresRows
{
    internal const string JobColumns = SqliteRows.JobColumns;

    internal const string RunColumns =
        "id AS Id, job_id AS JobId, number AS Number, phase AS Phase, source_listed::int AS SourceListed, " +
        "destination_listed::int AS DestinationListed, source_resume_after AS SourceResumeAfter, " +
        "destination_resume_after AS DestinationResumeAfter, plan_source_objects AS PlanSourceObjects, " +
        "plan_source_bytes AS PlanSourceBytes, plan_destination_objects AS PlanDestinationObjects, " +
        "plan_destination_bytes AS PlanDestinationBytes, plan_copy_objects AS PlanCopyObjects, " +
        "plan_copy_bytes AS PlanCopyBytes, plan_unchanged_objects AS PlanUnchangedObjects, " +
        "plan_delete_objects AS PlanDeleteObjects, plan_delete_bytes AS PlanDeleteBytes, " +
        "started_at AS StartedAt, finished_at AS FinishedAt, report AS Report, published_through AS PublishedThrough";

    internal const string TaskColumns = SqliteRows.TaskColumns;

    internal const string ManifestColumns = SqliteRows.ManifestColumns;

    internal const string LedgerColumns = SqliteRows.LedgerColumns;

    /// <summary>The phases of a run still in progress (Listing, Copying, Finalizing).</summary>
    internal static readonly short[] OpenPhases = [(short)RunPhase.Listing, (short)RunPhase.Copying, (short)RunPhase.Finalizing];
}
