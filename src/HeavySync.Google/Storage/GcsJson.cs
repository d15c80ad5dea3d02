using System.Text.Json.Serialization;

namespace HeavySync.Google.Storage;

/// <summary>The object resource of the GCS JSON API, as far as HeavySync reads it. int64 fields
/// travel as JSON strings.</summary>
internal sealed record GcsObject
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = string.Empty;

    [JsonPropertyName("size")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long Size { get; init; }

    [JsonPropertyName("generation")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long Generation { get; init; }

    /// <summary>Base64 MD5; absent on composite objects.</summary>
    [JsonPropertyName("md5Hash")]
    public string? Md5Hash { get; init; }

    /// <summary>Base64 of the big-endian CRC32C.</summary>
    [JsonPropertyName("crc32c")]
    public string? Crc32c { get; init; }

    [JsonPropertyName("updated")]
    public DateTimeOffset? Updated { get; init; }

    /// <summary>When this generation became noncurrent (set only on noncurrent versions).</summary>
    [JsonPropertyName("timeDeleted")]
    public DateTimeOffset? TimeDeleted { get; init; }

    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    [JsonPropertyName("metadata")]
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>One page of objects.list.</summary>
internal sealed record GcsObjectList
{
    [JsonPropertyName("items")]
    public List<GcsObject>? Items { get; init; }

    [JsonPropertyName("nextPageToken")]
    public string? NextPageToken { get; init; }
}

/// <summary>The answer of one objects.rewrite call.</summary>
internal sealed record GcsRewriteResponse
{
    [JsonPropertyName("done")]
    public bool Done { get; init; }

    [JsonPropertyName("rewriteToken")]
    public string? RewriteToken { get; init; }

    [JsonPropertyName("totalBytesRewritten")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TotalBytesRewritten { get; init; }

    [JsonPropertyName("resource")]
    public GcsObject? Resource { get; init; }
}

/// <summary>The bucket resource, as far as HeavySync reads it.</summary>
internal sealed record GcsBucket
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("versioning")]
    public GcsVersioning? Versioning { get; init; }
}

/// <summary>A bucket's versioning configuration.</summary>
internal sealed record GcsVersioning
{
    [JsonPropertyName("enabled")]
    public bool Enabled { get; init; }
}

/// <summary>Object metadata sent with an upload (objects.insert body or resumable initiation).</summary>
internal sealed record GcsUploadMetadata
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("contentType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentType { get; init; }

    [JsonPropertyName("md5Hash")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Md5Hash { get; init; }

    [JsonPropertyName("crc32c")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Crc32c { get; init; }

    [JsonPropertyName("metadata")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>Body of buckets.insert.</summary>
internal sealed record GcsBucketInsert
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("versioning")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GcsVersioning? Versioning { get; init; }
}

/// <summary>The JSON API's error document: {"error": {"code", "message", "errors": [{"reason"}]}}.</summary>
internal sealed record GcsErrorDocument
{
    [JsonPropertyName("error")]
    public GcsError? Error { get; init; }
}

/// <summary>The error inside <see cref="GcsErrorDocument"/>.</summary>
internal sealed record GcsError
{
    [JsonPropertyName("code")]
    public int Code { get; init; }

    [JsonPropertyName("errors")]
    public List<GcsErrorItem>? Errors { get; init; }
}

/// <summary>One reason of a <see cref="GcsError"/>.</summary>
internal sealed record GcsErrorItem
{
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }
}

/// <summary>Source-generated serializers: listings of millions of objects parse without reflection.</summary>
[JsonSerializable(typeof(GcsObject))]
[JsonSerializable(typeof(GcsObjectList))]
[JsonSerializable(typeof(GcsRewriteResponse))]
[JsonSerializable(typeof(GcsBucket))]
[JsonSerializable(typeof(GcsUploadMetadata))]
[JsonSerializable(typeof(GcsBucketInsert))]
[JsonSerializable(typeof(GcsErrorDocument))]
internal sealed partial class GcsJsonContext : JsonSerializerContext
{
}
