using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private readonly ConcurrentDictionary<string, bool> _compositeBuckets = new(StringComparer.Ordinal);

    /// <summary>
    /// TEST-ONLY: serves every object of <paramref name="bucket"/> as GCS serves a composite object
    /// (made by objects.compose, or by a parallel composite upload): no md5Hash, a componentCount,
    /// crc32c only. The emulator cannot compose, so the layer strips md5Hash from every object
    /// resource it answers for that bucket (gets, listings, upload and rewrite answers).
    /// </summary>
    public void ServeAsComposite(string bucket) => _compositeBuckets[bucket] = true;

    /// <summary>The object resources in <paramref name="node"/> as composite objects when
    /// <paramref name="bucket"/> serves them so; returns the node.</summary>
    private JsonNode AsServed(string? bucket, JsonNode node)
    {
        if (bucket is null || !_compositeBuckets.ContainsKey(bucket) || node is not JsonObject body)
        {
            return node;
        }

        void Strip(JsonNode? resource)
        {
            if (resource is JsonObject o && o.ContainsKey("name"))
            {
                o.Remove("md5Hash");
                o["componentCount"] = 2;
            }
        }

        Strip(body);
        Strip(body["resource"]);
        foreach (var item in body["items"]?.AsArray() ?? [])
        {
            Strip(item);
        }

        return node;
    }
}
