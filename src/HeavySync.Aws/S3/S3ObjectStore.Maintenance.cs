using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore : IRunMaintenance
{
    /// <summary>
    /// Aborts the multipart uploads a crashed run left under the prefix. Called once before a run
    /// writes, when none of this run's uploads exists yet, so every upload found is a leftover.
    /// </summary>
    public async Task PrepareDestinationAsync(CancellationToken cancellationToken) =>
        await CleanupIncompleteUploadsAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
}
