using System.Globalization;
using System.Text.Json;

namespace HeavySync.SqsTestServer;

/// <summary>Typed reads of a JSON request body; missing or mistyped members give the documented errors.</summary>
public readonly struct RequestBody(JsonElement root)
{
    public JsonElement Root { get; } = root;

    public string RequiredString(string name) => OptionalString(name) ?? throw SqsError.Missing(name);

    public string? OptionalString(string name) =>
        Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Serialization(name)
            : null;

    /// <summary>An integer member; accepts a JSON number or a numeric string (query-compatible clients send those).</summary>
    public int? OptionalInt(string name)
    {
        if (Root.ValueKind != JsonValueKind.Object || !Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw Serialization(name),
        };
    }

    public IReadOnlyList<string> StringList(string name)
    {
        if (Root.ValueKind != JsonValueKind.Object || !Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(e => e.GetString()!)]
            : throw Serialization(name);
    }

    public IReadOnlyDictionary<string, string> StringMap(string name)
    {
        if (Root.ValueKind != JsonValueKind.Object || !Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return new Dictionary<string, string>();
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Serialization(name);
        }

        return value.EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Serialization(name + "." + p.Name),
            StringComparer.Ordinal);
    }

    public IReadOnlyList<RequestBody> ObjectList(string name)
    {
        if (Root.ValueKind != JsonValueKind.Object || !Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(e => new RequestBody(e))] : throw Serialization(name);
    }

    public JsonElement? Member(string name) =>
        Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static SqsError Serialization(string name) => new(400, "SerializationException", "SerializationException", $"Unexpected type for member {name}.");
}
