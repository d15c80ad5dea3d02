namespace HeavySync.Locations;

/// <summary>The kinds of location HeavySync understands.</summary>
public enum LocationScheme
{
    File,
    S3,
    Gcs,
}

/// <summary>
/// A parsed location: <c>s3://bucket/prefix</c>, <c>gs://bucket/prefix</c>, <c>file:///abs/path</c>
/// or a bare path. For buckets, <see cref="Prefix"/> is the key prefix ("" or ending in '/').
/// For files, <see cref="Path"/> is the absolute, normalised directory.
/// </summary>
public sealed record StoreLocation(LocationScheme Scheme, string Bucket, string Prefix, string Path)
{
    /// <summary>The canonical text form, used to key jobs and state files.</summary>
    public string Canonical => Scheme switch
    {
        LocationScheme.File => "file://" + Path,
        LocationScheme.S3 => $"s3://{Bucket}/{Prefix}",
        LocationScheme.Gcs => $"gs://{Bucket}/{Prefix}",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The location as the store opened on it reports it (<see cref="Storage.IObjectStore.Location"/>,
    /// which keys a sync's job): the canonical form, or a directory's path.</summary>
    public string StoreKey => Scheme == LocationScheme.File ? Path : Canonical;

    public override string ToString() => Canonical;
}
