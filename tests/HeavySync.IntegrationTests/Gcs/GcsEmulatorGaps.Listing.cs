using System.Collections.Specialized;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    /// <summary>
    /// objects.list (no delimiter) in the order GCS lists: by the UTF-8 bytes of the names. The
    /// emulator is JavaScript and sorts, and applies startOffset / endOffset, by UTF-16 code units,
    /// which differ above U+FFFF (an emoji's surrogates sort before U+FF46 "ｆ", its bytes after).
    /// All live objects under the prefix are fetched from the emulator, ordered and filtered here,
    /// and paged by an offset token.
    /// </summary>
    private async Task ListInByteOrderAsync(HttpListenerResponse response, string bucket, NameValueCollection query)
    {
        var all = await ListUpstreamAsync(bucket, query["prefix"] ?? string.Empty);
        var from = query["startOffset"];
        var to = query["endOffset"];
        var ordered = all
            .Where(o => from is null || CompareUtf8(Name(o), from) >= 0)
            .Where(o => to is null || CompareUtf8(Name(o), to) < 0)
            .OrderBy(Name, Comparer<string>.Create(CompareUtf8))
            .ToList();
        // Composite objects are served as such in listings too.
        await JsonAsync(response, 200, AsServed(bucket, Page(ordered, query)));
    }

    /// <summary>One objects.list page of <paramref name="ordered"/>: <c>maxResults</c> (at most 1,000)
    /// from the offset a <c>pageToken</c> of this layer names, and the next page's token when more remain.</summary>
    private static JsonObject Page(List<JsonObject> ordered, NameValueCollection query)
    {
        var start = int.TryParse(query["pageToken"], NumberStyles.None, CultureInfo.InvariantCulture, out var at) ? at : 0;
        var size = int.TryParse(query["maxResults"], NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? Math.Min(max, 1000) : 1000;
        var body = new JsonObject { ["kind"] = "storage#objects", ["items"] = new JsonArray(ordered.Skip(start).Take(size).Select(o => (JsonNode)o).ToArray()) };
        if (start + size < ordered.Count)
        {
            body["nextPageToken"] = (start + size).ToString(CultureInfo.InvariantCulture);
        }

        return body;
    }

    /// <summary>Every live object under <paramref name="prefix"/>, all of the emulator's pages.</summary>
    private async Task<List<JsonObject>> ListUpstreamAsync(string bucket, string prefix)
    {
        var all = new List<JsonObject>();
        string? token = null;
        do
        {
            var url = $"storage/v1/b/{Uri.EscapeDataString(bucket)}/o?prefix={Uri.EscapeDataString(prefix)}" + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token));
            var page = JsonNode.Parse(await _http.GetStringAsync(new Uri(_upstream, url)))!;
            all.AddRange(page["items"]?.AsArray().Select(i => i!.DeepClone().AsObject()) ?? []);
            token = page["nextPageToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(token));

        return all;
    }

    private static string Name(JsonObject item) => item["name"]!.GetValue<string>();

    private static int CompareUtf8(string? a, string? b) =>
        Encoding.UTF8.GetBytes(a ?? string.Empty).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b ?? string.Empty));
}
