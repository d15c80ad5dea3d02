namespace HeavySync.Aws.S3;

/// <summary>Who talks to which server: equal identities can copy between their buckets server-side.
/// Holds the access key id (public), never the secret.</summary>
internal sealed record S3Identity(string Endpoint, string Region, string AccessKeyId);
