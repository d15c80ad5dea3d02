using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeavySync.Cli.Jobs;

/// <summary>
/// A job's stored settings: a JSON object of settings keys (the same keys as flags, environment and
/// config file: <c>max_delete</c>, <c>dst_endpoint</c>...) to strings, lists as arrays. Flattened,
/// it is one more settings layer (<c>include:0</c>, <c>include:1</c>... for lists).
/// </summary>
internal static class JobSettingsJson
{
    /// <summary>The JSON form of flattened settings.</summary>
    public static string Serialize(IReadOnlyDictionary<string, string?> settings)
    {
        var root = new JsonObject();
        foreach (var group in settings.Where(kv => kv.Value is not null).GroupBy(kv => kv.Key.Split(':')[0], StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var items = group.ToList();
            if (items.Count == 1 && !items[0].Key.Contains(':', StringComparison.Ordinal))
            {
                root[group.Key] = items[0].Value;
            }
            else
            {
                var ordered = items.OrderBy(kv => int.Parse(kv.Key.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).Select(kv => (JsonNode?)JsonValue.Create(kv.Value));
                root[group.Key] = new JsonArray(ordered.ToArray());
            }
        }

        return root.ToJsonString();
    }

    /// <summary>The flattened settings of a stored JSON object (empty for null).</summary>
    public static Dictionary<string, string?> Parse(string? json)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(json))
        {
            return settings;
        }

        if (JsonNode.Parse(json) is not JsonObject root)
        {
            throw new JsonException("job settings must be a JSON object");
        }

        foreach (var (key, value) in root)
        {
            switch (value)
            {
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        settings[$"{key}:{i}"] = array[i]?.ToString();
                    }

                    break;
                case null:
                    break;
                default:
                    settings[key] = value.ToString();
                    break;
            }
        }

        return settings;
    }
}
