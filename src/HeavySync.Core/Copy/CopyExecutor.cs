using System.Diagnostics;
using HeavySync.Hashing;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using HeavySync.Telemetry;
using Polly;
using Polly.Retry;

namespace HeavySync.Copy;

/// <summary>
/// Copies one object (DESIGN.md §3, copier): re-reads the source's current state (gone ⇒ vanished),
/// copies server-side when the destination can, else streams from one read that also describes the
/// object, with bounded buffers while computing MD5 and CRC32C (CRC32C alone when the destination
/// checks the source's stated MD5 itself, see <see cref="StoreCapabilities.VerifiesStatedMd5"/>),
/// verifies size and the strongest common checksum, and returns the outcome with its ledger row.
/// <para>Error contract: a vanished source is a <see cref="WorkTaskStatus.Vanished"/> outcome and a
/// permanent error a <see cref="WorkTaskStatus.Failed"/> outcome; transient errors are retried a few
/// times here (stores also retry each request), then thrown so the message is redelivered; fatal
/// errors and cancellation are thrown.</para>
/// </summary>
public sealed class CopyExecutor
{
    private readonly IObjectStore source;
    private readonly IObjectStore destination;
    private readonly TimeProvider time;
    private readonly ResiliencePipeline retry;
    private readonly IServerSideCopy? serverSide;
    private readonly Action<long>? onBytes;
    private readonly IUploadSessionStore? uploadSessions;
    private readonly long jobId;

    /// <param name="source">Where objects come from.</param>
    /// <param name="destination">Where they go.</param>
    /// <param name="time">Clock for retries and verification times.</param>
    /// <param name="maxAttempts">Attempts per object in this process (stores retry each request as well).</param>
    /// <param name="onBytes">Told of bytes as they move (progress); server-side copies report at the end.</param>
    /// <param name="uploadSessions">Where resumable uploads record their sessions (null: nowhere), so
    /// an upload a crash interrupted continues on the next attempt.</param>
    /// <param name="jobId">The job the sessions belong to (with <paramref name="uploadSessions"/>).</param>
    public CopyExecutor(
        IObjectStore source,
        IObjectStore destination,
        TimeProvider? time = null,
        int maxAttempts = 3,
        Action<long>? onBytes = null,
        IUploadSessionStore? uploadSessions = null,
        long jobId = 0)
    {
        this.onBytes = onBytes;
        this.uploadSessions = uploadSessions;
        this.jobId = jobId;
        this.source = source;
        this.destination = destination;
        this.time = time ?? TimeProvider.System;
        serverSide = destination is IServerSideCopy ssc && destination.Capabilities.ServerSideCopy && ssc.CanCopyFrom(source) ? ssc : null;
        retry = new ResiliencePipelineBuilder { TimeProvider = this.time }
            .AddRetry(new RetryStrategyOptions
            {
                // A failed precondition means the object changed under us: the next attempt reads it afresh.
                ShouldHandle = new PredicateBuilder().Handle<StoreException>(e => e.IsRetryable || e.Kind == StoreErrorKind.PreconditionFailed),
                MaxRetryAttempts = Math.Max(0, maxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is StoreException { RetryAfter: { } after } ? after : (TimeSpan?)null),
                OnRetry = args =>
                {
                    HeavySyncTelemetry.Retries.Add(1,
                        new KeyValuePair<string, object?>(TelemetryTags.Layer, "copy"),
                        new KeyValuePair<string, object?>(TelemetryTags.ErrorKind, (args.Outcome.Exception as StoreException)?.Kind.ToString()));
                    return default;
                },
            })
            .Build();
    }

    /// <summary>True when copies go server-side (no object bytes through this process).</summary>
    public bool UsesServerSideCopy => serverSide is not null;

    /// <summary>Executes one copy task. See the class remarks for the error contract.</summary>
    public async Task<TaskOutcome> CopyAsync(WorkTask task, CancellationToken cancellationToken)
    {
        using var activity = HeavySyncTelemetry.Source.StartActivity("copy object");
        activity?.SetTag("heavysync.key.size", task.Size);
        var started = Stopwatch.GetTimestamp();
        HeavySyncTelemetry.CopiesInFlight.Add(1);
        try
        {
            var ledger = await retry.ExecuteAsync(
                static async (state, ct) => await state.self.CopyOnceAsync(state.task, ct).ConfigureAwait(false),
                (self: this, task),
                cancellationToken).ConfigureAwait(false);
            if (ledger is null)
            {
                activity?.SetTag(TelemetryTags.Outcome, "vanished");
                return new TaskOutcome(task.TaskId, WorkTaskStatus.Vanished, null, null);
            }

            HeavySyncTelemetry.CopyDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            activity?.SetTag(TelemetryTags.Outcome, "done");
            return new TaskOutcome(task.TaskId, WorkTaskStatus.Done, ledger, null);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            activity?.SetTag(TelemetryTags.Outcome, "vanished");
            return new TaskOutcome(task.TaskId, WorkTaskStatus.Vanished, null, null);
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.Permanent or StoreErrorKind.PreconditionFailed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new TaskOutcome(task.TaskId, WorkTaskStatus.Failed, null, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            HeavySyncTelemetry.CopiesInFlight.Add(-1);
        }
    }

    /// <summary>One attempt; null when the source vanished.</summary>
    private async Task<LedgerEntry?> CopyOnceAsync(WorkTask task, CancellationToken cancellationToken)
    {
        try
        {
            if (serverSide is not null)
            {
                var current = await source.StatAsync(task.Key, cancellationToken).ConfigureAwait(false);
                return current is null ? null : await CopyServerSideAsync(task, current, cancellationToken).ConfigureAwait(false);
            }

            // One request where the store can: the GET that opens the body also describes the object.
            // A destination that takes one request at a time is fed from one stream, not parallel ranges.
            var pattern = destination.Capabilities.SequentialWrites ? ReadPattern.Sequential : ReadPattern.Parallel;
            var read = await source.OpenCurrentAsync(task.Key, pattern, cancellationToken).ConfigureAwait(false);
            if (read is null)
            {
                return null;
            }

            await using (read.Body.ConfigureAwait(false))
            {
                return await StreamAsync(task, read, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // "Not found" means vanished only when it is the SOURCE that is gone. The same kind also
            // comes from the destination side (an S3 multipart upload aborted under us answers
            // NoSuchUpload), and a skipped object there would end the run "in sync" without it. The
            // error does not say which side raised it, so ask the source: still there (or changed,
            // which the next attempt's read picks up) means this attempt failed and is retried.
            if (await source.StatAsync(task.Key, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            throw new StoreException(StoreErrorKind.Transient, $"copying '{task.Key}': {ex.Message}, but the source still exists", ex);
        }
    }

    /// <summary>
    /// The ledger must hold the fingerprint the next listing will show. A stat or a GET may describe
    /// the same object differently from a listing (extra metadata), so keep the listed fingerprint
    /// when the content identity agrees, and the current one when the object changed since listing.
    /// </summary>
    private static string SourceFingerprint(WorkTask task, ObjectEntry current) =>
        task.SourceFingerprint is { } listed && SameContent(listed, current) ? listed : Fingerprint.Of(current);

    /// <summary>Copies the object <paramref name="current"/> describes inside the destination's store and verifies the copy.</summary>
    private async Task<LedgerEntry> CopyServerSideAsync(WorkTask task, ObjectEntry current, CancellationToken cancellationToken)
    {
        var sourceFingerprint = SourceFingerprint(task, current);
        var written = await serverSide!.CopyFromAsync(source, current, task.Key, task.ExpectedDestination, cancellationToken).ConfigureAwait(false);
        onBytes?.Invoke(written.Size);
        using (StartVerify())
        {
            VerifySize(task.Key, current.Size, written.Size);
            if ((current.Md5 is not null && written.Md5 is not null && !HashEquals(current.Md5, written.Md5))
                || (current.Crc32c is { } sourceCrc && written.Crc32c is { } writtenCrc && sourceCrc != writtenCrc))
            {
                // Both hashes where both sides have them: composite GCS objects have only crc32c.
                throw new StoreException(StoreErrorKind.Transient, $"checksum mismatch after server-side copy of '{task.Key}'");
            }
        }

        return Ledger(task.Key, sourceFingerprint, written, written.Md5 ?? current.Md5, written.Crc32c ?? current.Crc32c);
    }

    /// <summary>Streams the open read to the destination, hashing as it goes, and verifies the copy.</summary>
    private async Task<LedgerEntry> StreamAsync(WorkTask task, ObjectRead read, CancellationToken cancellationToken)
    {
        var key = task.Key;
        var current = read.Entry;
        var sourceFingerprint = SourceFingerprint(task, current);
        Stream counted = onBytes is null ? read.Body : new CountingReadStream(read.Body, onBytes);

        // A destination that refuses content differing from a stated MD5 checks the source's MD5
        // itself: computing it here too would only double the largest CPU cost of a large copy.
        var destinationChecksMd5 = current.Md5 is not null && destination.Capabilities.VerifiesStatedMd5;

        // The source's hashes are checked as the last byte is read, before the destination can commit it.
        // The body is the caller's to dispose.
        await using var hashing = new HashingReadStream(counted, current.Size, leaveOpen: true, computeMd5: !destinationChecksMd5)
        {
            ExpectedMd5Hex = destinationChecksMd5 ? null : current.Md5,
            ExpectedCrc32c = current.Crc32c,
        };
        var request = new WriteRequest(key, current.Size)
        {
            LastModified = current.LastModified,
            Md5 = current.Md5,
            ExpectedDestination = task.ExpectedDestination,
            UploadSession = uploadSessions is null ? null : new UploadSessionSlot(uploadSessions, jobId, key, sourceFingerprint),
        };
        var written = await destination.WriteAsync(request, hashing, cancellationToken).ConfigureAwait(false);
        hashing.Hasher.Finish();
        var md5 = destinationChecksMd5 ? current.Md5! : hashing.Hasher.Md5Hex;
        var crc = hashing.Hasher.Crc32c;

        using (StartVerify())
        {
            VerifySize(key, current.Size, hashing.BytesRead);
            VerifySize(key, current.Size, written.Size);
            if (current.Md5 is not null && !HashEquals(current.Md5, md5))
            {
                throw new StoreException(StoreErrorKind.Transient, $"checksum mismatch reading '{key}': source says MD5 {current.Md5}, read {md5}");
            }

            if (current.Crc32c is { } sourceCrc && sourceCrc != crc)
            {
                throw new StoreException(StoreErrorKind.Transient, $"checksum mismatch reading '{key}': CRC32C differs from the source's");
            }

            if (destinationChecksMd5 && written.Md5 is null)
            {
                // The source's MD5 was not computed here: only the stored object's can confirm it.
                throw new StoreException(StoreErrorKind.Transient, $"cannot verify '{key}': the destination reported no MD5 of what it stored");
            }

            if (written.Md5 is not null && !HashEquals(written.Md5, md5))
            {
                throw new StoreException(StoreErrorKind.Transient, $"checksum mismatch writing '{key}': destination stored MD5 {written.Md5}, sent {md5}");
            }

            if (written.Crc32c is { } writtenCrc && writtenCrc != crc)
            {
                throw new StoreException(StoreErrorKind.Transient, $"checksum mismatch writing '{key}': destination CRC32C differs");
            }
        }

        return Ledger(key, sourceFingerprint, written, md5, crc);
    }

    /// <summary>The ledger row of a verified copy.</summary>
    private LedgerEntry Ledger(string key, string sourceFingerprint, ObjectEntry written, string? md5, uint? crc32c) =>
        new(key, sourceFingerprint, Fingerprint.Of(written)) { Md5 = md5, Crc32c = crc32c, VerifiedAt = time.GetUtcNow() };

    /// <summary>The "verify" span: size and checksum comparison of one copy (DESIGN.md §7).</summary>
    private static Activity? StartVerify() => HeavySyncTelemetry.Source.StartActivity("verify");

    private static void VerifySize(string key, long expected, long actual)
    {
        if (expected != actual)
        {
            throw new StoreException(StoreErrorKind.Transient, $"size mismatch copying '{key}': expected {expected} bytes, got {actual}");
        }
    }

    private static bool HashEquals(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Same size and same content token (ignoring versions and the representation of mtimes).</summary>
    private static bool SameContent(string listedFingerprint, ObjectEntry current)
    {
        var now = Fingerprint.Of(current);
        static string WithoutVersion(string fp) => fp.Split('@')[0];
        return WithoutVersion(listedFingerprint) == WithoutVersion(now);
    }
}
