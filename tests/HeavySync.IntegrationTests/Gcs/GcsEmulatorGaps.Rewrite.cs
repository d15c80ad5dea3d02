using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private readonly ConcurrentDictionary<string, bool> _rewriteTokens = new(StringComparer.Ordinal);
    private long _rewriteCalls;

    /// <summary>objects.rewrite calls received.</summary>
    public long RewriteCalls => Interlocked.Read(ref _rewriteCalls);

    /// <summary>
    /// objects.rewrite: the first call answers "not done" with a rewriteToken (as GCS does for large
    /// or cross-location copies), the call bearing the token copies through the emulator (media and
    /// metadata of the source, stored at the destination) and answers done with the resource.
    /// </summary>
    private async Task RewriteAsync(HttpListenerResponse response, string sourceBucket, string sourceName, string destinationBucket, string destinationName, NameValueCollection query)
    {
        Interlocked.Increment(ref _rewriteCalls);
        if (!_buckets.ContainsKey(destinationBucket))
        {
            await ErrorAsync(response, 404, "notFound", "The destination bucket does not exist.");
            return;
        }

        using var metadataAnswer = await _http.GetAsync(new Uri(_upstream, $"storage/v1/b/{Uri.EscapeDataString(sourceBucket)}/o/{Uri.EscapeDataString(sourceName)}"));
        if (metadataAnswer.StatusCode == HttpStatusCode.NotFound)
        {
            await ErrorAsync(response, 404, "notFound", "No such object.");
            return;
        }

        var source = JsonNode.Parse(await metadataAnswer.Content.ReadAsStringAsync())!;
        if (query["ifSourceGenerationMatch"] is { } expected && source["generation"]!.GetValue<string>() != expected)
        {
            await ErrorAsync(response, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
            return;
        }

        if (!await GenerationMatchesAsync(response, destinationBucket, destinationName, query["ifGenerationMatch"]))
        {
            return;
        }

        var size = long.Parse(source["size"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        if (query["rewriteToken"] is not { } token || !_rewriteTokens.TryRemove(token, out _))
        {
            var next = Guid.NewGuid().ToString("N");
            _rewriteTokens[next] = true;
            await JsonAsync(response, 200, new JsonObject
            {
                ["kind"] = "storage#rewriteResponse",
                ["totalBytesRewritten"] = (size / 2).ToString(CultureInfo.InvariantCulture),
                ["objectSize"] = size.ToString(CultureInfo.InvariantCulture),
                ["done"] = false,
                ["rewriteToken"] = next,
            });
            return;
        }

        var data = await _http.GetByteArrayAsync(new Uri(_upstream, $"storage/v1/b/{Uri.EscapeDataString(sourceBucket)}/o/{Uri.EscapeDataString(sourceName)}?alt=media"));
        var metadata = new JsonObject { ["name"] = destinationName };
        if (source["metadata"] is JsonObject custom)
        {
            metadata["metadata"] = custom.DeepClone();
        }

        var snapshot = await SnapshotAsync(destinationBucket, destinationName);
        var stored = await StoreAsync(destinationBucket, metadata.ToJsonString(), source["contentType"]?.GetValue<string>(), data);
        Archive(destinationBucket, snapshot);
        await JsonAsync(response, 200, new JsonObject
        {
            ["kind"] = "storage#rewriteResponse",
            ["totalBytesRewritten"] = size.ToString(CultureInfo.InvariantCulture),
            ["objectSize"] = size.ToString(CultureInfo.InvariantCulture),
            ["done"] = true,
            ["resource"] = AsServed(destinationBucket, JsonNode.Parse(stored)!),
        });
    }
}
