using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore : IRunMaintenance
{
    /// <summary>
    /// Aborts the multipart uploads that <paramref name="policy"/> takes for orphans of dead
    /// processes: every upload under the prefix for a sole writer (a one-machine sync under the job's
    /// lock, before its first upload), only long-idle ones when cluster copiers may be uploading now.
    /// </summary>
    public async Task PrepareDestinationAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken) =>
        await CleanupIncompleteUploadsAsync(policy, cancellationToken).ConfigureAwait(false);
}
