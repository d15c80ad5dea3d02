using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    /// <summary>Noncurrent generations of versioned buckets, by bucket (metadata only: enough to list
    /// and delete them; the emulator holds the live generations).</summary>
    private readonly ConcurrentDictionary<string, List<JsonObject>> _noncurrent = new(StringComparer.Ordinal);

    /// <summary>Noncurrent generations held for <paramref name="bucket"/>.</summary>
    public int NoncurrentCount(string bucket) => _noncurrent.TryGetValue(bucket, out var list) ? Locked(list, l => l.Count) : 0;

    /// <summary>The live generation's metadata in a versioned bucket, to archive once it is replaced or deleted.</summary>
    private async Task<JsonObject?> SnapshotAsync(string bucket, string? name)
    {
        if (name is null || !_buckets.TryGetValue(bucket, out var versioned) || !versioned)
        {
            return null;
        }

        using var answer = await _http.GetAsync(new Uri(_upstream, $"storage/v1/b/{Uri.EscapeDataString(bucket)}/o/{Uri.EscapeDataString(name)}"));
        return answer.IsSuccessStatusCode ? JsonNode.Parse(await answer.Content.ReadAsStringAsync())!.AsObject() : null;
    }

    /// <summary>Keeps a replaced or deleted generation as noncurrent, stamped with timeDeleted.</summary>
    private void Archive(string bucket, JsonObject? snapshot)
    {
        if (snapshot is null)
        {
            return;
        }

        snapshot["timeDeleted"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var list = _noncurrent.GetOrAdd(bucket, _ => []);
        Locked(list, l =>
        {
            l.Add(snapshot);
            return 0;
        });
    }

    /// <summary>objects.list with versions=true: live generations from the emulator plus the noncurrent
    /// ones, ordered by name then generation, paged by an offset token.</summary>
    private async Task ListVersionsAsync(HttpListenerResponse response, string bucket, NameValueCollection query)
    {
        var prefix = query["prefix"] ?? string.Empty;
        var all = await ListUpstreamAsync(bucket, prefix);
        if (_noncurrent.TryGetValue(bucket, out var old))
        {
            Locked(old, l =>
            {
                all.AddRange(l.Where(o => o["name"]!.GetValue<string>().StartsWith(prefix, StringComparison.Ordinal)).Select(o => o.DeepClone().AsObject()));
                return 0;
            });
        }

        var ordered = all
            .OrderBy(Name, Comparer<string>.Create(CompareUtf8))
            .ThenBy(o => long.Parse(o["generation"]!.GetValue<string>(), CultureInfo.InvariantCulture))
            .ToList();
        await JsonAsync(response, 200, Page(ordered, query));
    }

    /// <summary>objects.delete naming a noncurrent generation: removes it (404 when there is none).
    /// Returns false when the generation is not a noncurrent one (the live object: forward).</summary>
    private async Task<bool> DeleteNoncurrentAsync(HttpListenerResponse response, string bucket, string name, string generation)
    {
        if (!_noncurrent.TryGetValue(bucket, out var list))
        {
            return false;
        }

        var removed = Locked(list, l => l.RemoveAll(o => o["name"]!.GetValue<string>() == name && o["generation"]!.GetValue<string>() == generation));
        if (removed == 0)
        {
            return false;
        }

        response.StatusCode = 204;
        await Task.CompletedTask;
        return true;
    }

    private static T Locked<T>(List<JsonObject> list, Func<List<JsonObject>, T> work)
    {
        lock (list)
        {
            return work(list);
        }
    }
}
