namespace HeavySync.Local;

/// <summary>Settings of one <see cref="LocalFileStore"/>.</summary>
public sealed record LocalStoreOptions
{
    /// <summary>
    /// Follow symbolic links to files and directories instead of skipping them with a warning
    /// (default false). Loops are detected and skipped.
    /// </summary>
    public bool FollowSymlinks { get; init; }

    /// <summary>
    /// The root directory must already exist (default false). Set for a source: a missing source is
    /// <see cref="Storage.StoreErrorKind.Fatal"/> rather than an empty listing that would delete everything
    /// at the destination. A destination root is created on the first write when this is false.
    /// </summary>
    public bool RootMustExist { get; init; }
}
