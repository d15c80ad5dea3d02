using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <summary>Lists one object (proves the bucket exists and may be read) while reading the
    /// bucket's versioning beside it (one round trip instead of two). Sets <see cref="Capabilities"/>.</summary>
    private async Task ProbeBucketAsync(CancellationToken cancellationToken)
    {
        var query = "maxResults=1&fields=" + Uri.EscapeDataString("items(name)") + (_prefix.Length > 0 ? "&prefix=" + Uri.EscapeDataString(_prefix) : string.Empty);
        using var versioningCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var versioning = ReadVersioningAsync(versioningCancel.Token);
        try
        {
            await ListPageAsync(ObjectsUri(query), cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            // The probe's failure is the one to report; the versioning read is abandoned.
            await versioningCancel.CancelAsync().ConfigureAwait(false);
            await versioning.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            throw OpenFailure(ex);
        }

        var versioned = await versioning.ConfigureAwait(false);
        Capabilities = new StoreCapabilities
        {
            ServerSideCopy = true,
            Versions = versioned,
            ChecksumKinds = ChecksumKinds.Md5 | ChecksumKinds.Crc32c,

            // Listings carry the "mtime" metadata, written with nine fraction digits: exact to the tick.
            MtimePrecision = TimeSpan.FromTicks(1),

            // One resumable upload may be up to 5 TiB.
            MaxSingleWriteBytes = 5L * 1024 * 1024 * 1024 * 1024,
            OrderedListing = true,

            // A resumable upload sends one chunk at a time, each after the one before was stored.
            SequentialWrites = true,

            // A simple upload checks WriteRequest.Md5 against its buffer; a resumable one sends it
            // in the last chunk's X-Goog-Hash, and GCS refuses (400) content with another MD5.
            VerifiesStatedMd5 = true,
        };
    }

    /// <summary>buckets.get for the versioning flag. Reading bucket metadata needs storage.buckets.get,
    /// which object-only roles lack: refused means "unknown", reported as unversioned.</summary>
    private async Task<bool> ReadVersioningAsync(CancellationToken cancellationToken)
    {
        var uri = BucketUri("fields=versioning");
        try
        {
            var bucket = await SendJsonAsync(
                RequestOperations.Head,
                $"GET bucket gs://{_bucket}",
                () => Request(HttpMethod.Get, uri),
                GcsJsonContext.Default.GcsBucket,
                cancellationToken).ConfigureAwait(false);
            return bucket.Versioning?.Enabled == true;
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.Permanent or StoreErrorKind.NotFound)
        {
            return false;
        }
    }

    /// <summary>Turns an open failure into the one-line cause a user sees: everything is Fatal here.</summary>
    private StoreException OpenFailure(StoreException error)
    {
        if (error.Kind == StoreErrorKind.Fatal)
        {
            return error;
        }

        var status = (error.InnerException as GcsHttpException)?.Status;
        return status switch
        {
            System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden =>
                new StoreException(StoreErrorKind.Fatal, $"access to {_side}gs://{_bucket} at {_connection.Root} was denied (check the credentials and their roles)", error),

            // Requester-pays buckets refuse requests that name no project to bill with 400.
            System.Net.HttpStatusCode.BadRequest when _userProject is null =>
                new StoreException(StoreErrorKind.Fatal, $"could not open {_side}gs://{_bucket} at {_connection.Root}: {error.Message} (a requester-pays bucket needs --gcs-requester-pays)", error),
            _ => new StoreException(StoreErrorKind.Fatal, $"could not open {_side}gs://{_bucket} at {_connection.Root}: {error.Message}", error),
        };
    }
}
