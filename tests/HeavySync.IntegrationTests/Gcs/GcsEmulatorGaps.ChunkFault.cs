namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    /// <summary>How the layer fails the chunk numbered <see cref="FailChunkNumber"/> (test-only).</summary>
    public enum ChunkFaultKind
    {
        /// <summary>Persist the first half of the chunk (rounded down to 256 KiB, as GCS persists), answer 503.</summary>
        HalfPersisted,

        /// <summary>Persist the whole chunk, then answer 503: the client must not conclude it was lost.</summary>
        AllPersisted,

        /// <summary>Persist the whole chunk, then drop the connection without an answer.</summary>
        AllPersistedConnectionDropped,
    }
}
