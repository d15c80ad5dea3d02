using HeavySync.Planning;

namespace HeavySync.State.Sqlite;

/// <summary>
/// Column lists and time conversion for the row types (<see cref="JobRow"/>, <see cref="RunRow"/>...)
/// that Dapper fills: SQLite integers are all 64-bit, so rows hold longs and map to Core records.
/// Times are 100-ns ticks since the Unix epoch.
/// </summary>
internal static class SqliteRows
{
    internal const string JobColumns = "id AS Id, source AS Source, destination AS Destination, created_at AS CreatedAt, name AS Name, options_json AS OptionsJson";

    internal const string RunColumns =
        "id AS Id, job_id AS JobId, number AS Number, phase AS Phase, source_listed AS SourceListed, " +
        "destination_listed AS DestinationListed, source_resume_after AS SourceResumeAfter, " +
        "destination_resume_after AS DestinationResumeAfter, plan_source_objects AS PlanSourceObjects, " +
        "plan_source_bytes AS PlanSourceBytes, plan_destination_objects AS PlanDestinationObjects, " +
        "plan_destination_bytes AS PlanDestinationBytes, plan_copy_objects AS PlanCopyObjects, " +
        "plan_copy_bytes AS PlanCopyBytes, plan_unchanged_objects AS PlanUnchangedObjects, " +
        "plan_delete_objects AS PlanDeleteObjects, plan_delete_bytes AS PlanDeleteBytes, " +
        "started_at AS StartedAt, finished_at AS FinishedAt, report AS Report, published_through AS PublishedThrough";

    internal const string TaskColumns =
        "id AS Id, run_id AS RunId, key AS Key, action AS Action, size AS Size, src_fp AS SourceFingerprint, " +
        "status AS Status, attempts AS Attempts, error AS Error, dst_exists AS DestinationExists, dst_version AS DestinationVersion";

    internal const string ManifestColumns =
        "key AS Key, size AS Size, etag AS ETag, md5 AS Md5, crc32c AS Crc32c, mtime_ticks AS MtimeTicks, version AS Version";

    internal const string LedgerColumns =
        "key AS Key, src_fp AS SourceFingerprint, dst_fp AS DestinationFingerprint, md5 AS Md5, crc32c AS Crc32c, verified_at AS VerifiedAt";

    internal static DateTimeOffset Time(long ticks) => Fingerprint.FromUnixTicks(ticks);

    internal static DateTimeOffset? Time(long? ticks) => ticks is { } t ? Fingerprint.FromUnixTicks(t) : null;
}
