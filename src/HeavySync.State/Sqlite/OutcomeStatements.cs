using HeavySync.Planning;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

/// <summary>
/// The three statements that record task outcomes, prepared once per batch and re-bound per
/// outcome: a copier records one outcome per object, so re-parsing SQL for each would dominate.
/// </summary>
internal sealed class OutcomeStatements : IDisposable
{
    private readonly SqliteCommand finish;
    private readonly SqliteCommand upsertLedger;
    private readonly SqliteCommand deleteLedger;

    public OutcomeStatements(SqliteConnection connection, SqliteTransaction transaction, long jobId, long runId, long now)
    {
        // Only a pending task takes an outcome: a redelivered message cannot overwrite the first.
        finish = Command(connection, transaction,
            "UPDATE tasks SET status = $status, attempts = attempts + 1, error = $error, updated_at = $now " +
            "WHERE id = $id AND run_id = $runId AND status = 0 RETURNING key, action",
            "$status", "$error", "$now", "$id", "$runId");
        finish.Parameters["$now"].Value = now;
        finish.Parameters["$runId"].Value = runId;

        upsertLedger = Command(connection, transaction,
            """
            INSERT INTO ledger (job_id, key, src_fp, dst_fp, md5, crc32c, copied_at, verified_at)
            VALUES ($jobId, $key, $srcFp, $dstFp, $md5, $crc, $now, $verifiedAt)
            ON CONFLICT (job_id, key) DO UPDATE SET
                src_fp = excluded.src_fp, dst_fp = excluded.dst_fp, md5 = excluded.md5, crc32c = excluded.crc32c,
                copied_at = excluded.copied_at, verified_at = excluded.verified_at
            """,
            "$jobId", "$key", "$srcFp", "$dstFp", "$md5", "$crc", "$now", "$verifiedAt");
        upsertLedger.Parameters["$jobId"].Value = jobId;
        upsertLedger.Parameters["$now"].Value = now;

        deleteLedger = Command(connection, transaction, "DELETE FROM ledger WHERE job_id = $jobId AND key = $key", "$jobId", "$key");
        deleteLedger.Parameters["$jobId"].Value = jobId;
    }

    /// <summary>Records one outcome and its ledger change.</summary>
    public void Apply(TaskOutcome outcome)
    {
        finish.Parameters["$status"].Value = (long)outcome.Status;
        finish.Parameters["$error"].Value = (object?)outcome.Error ?? DBNull.Value;
        finish.Parameters["$id"].Value = outcome.TaskId;
        string key;
        TaskAction action;
        using (var reader = finish.ExecuteReader())
        {
            if (!reader.Read())
            {
                return; // already finished: first outcome wins
            }

            key = reader.GetString(0);
            action = (TaskAction)reader.GetInt64(1);
        }

        if (outcome.Status != WorkTaskStatus.Done)
        {
            return;
        }

        if (action == TaskAction.Delete)
        {
            deleteLedger.Parameters["$key"].Value = key;
            deleteLedger.ExecuteNonQuery();
            return;
        }

        if (outcome.Ledger is not { } ledger)
        {
            return;
        }

        var p = upsertLedger.Parameters;
        p["$key"].Value = key;
        p["$srcFp"].Value = ledger.SourceFingerprint;
        p["$dstFp"].Value = ledger.DestinationFingerprint;
        p["$md5"].Value = (object?)ledger.Md5?.ToLowerInvariant() ?? DBNull.Value;
        p["$crc"].Value = ledger.Crc32c is { } crc ? (long)crc : DBNull.Value;
        p["$verifiedAt"].Value = ledger.VerifiedAt is { } v ? Fingerprint.UnixTicks(v) : DBNull.Value;
        upsertLedger.ExecuteNonQuery();
    }

    public void Dispose()
    {
        finish.Dispose();
        upsertLedger.Dispose();
        deleteLedger.Dispose();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        command.Prepare();
        return command;
    }
}
