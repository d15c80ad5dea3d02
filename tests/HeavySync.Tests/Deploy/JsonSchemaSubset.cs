using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// Validates a JSON document against the subset of JSON Schema (draft-07, which every Helm 3
/// reads) that the chart's values.schema.json uses: type (one or a list), properties, required,
/// additionalProperties (false or a schema), enum, items, minimum, maximum, pattern; description,
/// $schema and title are annotations. Any other keyword is refused, so the schema cannot silently
/// rely on something this validator ignores. No JSON Schema library is usable here: JsonSchema.Net's
/// dependencies (JsonPointer.Net, Json.More.Net) are missing from the package source, and
/// Newtonsoft.Json.Schema is AGPL-licensed.
/// </summary>
public static class JsonSchemaSubset
{
    private static readonly HashSet<string> Known =
    [
        "$schema", "title", "description", "type", "properties", "required", "additionalProperties",
        "enum", "items", "minimum", "maximum", "pattern",
    ];

    /// <summary>Every violation, as "path: problem"; empty when the document is valid.</summary>
    public static IReadOnlyList<string> Validate(JsonNode? document, JsonObject schema)
    {
        var errors = new List<string>();
        Check(document, schema, "$", errors);
        return errors;
    }

    private static void Check(JsonNode? node, JsonObject schema, string path, List<string> errors)
    {
        foreach (var keyword in schema.Select(kv => kv.Key).Where(k => !Known.Contains(k)))
        {
            throw new NotSupportedException($"schema at {path} uses '{keyword}', which this validator does not implement");
        }

        if (schema["type"] is { } type)
        {
            var allowed = type is JsonArray list ? list.Select(t => t!.GetValue<string>()).ToList() : [type.GetValue<string>()];
            var actual = TypeOf(node);
            if (!allowed.Contains(actual) && !(actual == "integer" && allowed.Contains("number")))
            {
                errors.Add($"{path}: expected {string.Join(" or ", allowed)}, found {actual}");
                return;
            }
        }

        if (schema["enum"] is JsonArray choices && !choices.Any(c => JsonNode.DeepEquals(c, node)))
        {
            errors.Add($"{path}: {node?.ToJsonString() ?? "null"} is not one of {choices.ToJsonString()}");
        }

        switch (node)
        {
            case JsonObject obj:
                CheckObject(obj, schema, path, errors);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Check(array[i], items, $"{path}[{i}]", errors);
                }

                break;
            case JsonValue value:
                CheckValue(value, schema, path, errors);
                break;
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, List<string> errors)
    {
        var properties = schema["properties"] as JsonObject;
        foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
        {
            if (!obj.ContainsKey(required))
            {
                errors.Add($"{path}: missing required '{required}'");
            }
        }

        foreach (var (key, value) in obj)
        {
            var child = $"{path}.{key}";
            if (properties?[key] is JsonObject propertySchema)
            {
                Check(value, propertySchema, child, errors);
            }
            else if (schema["additionalProperties"] is JsonValue flag && !flag.GetValue<bool>())
            {
                errors.Add($"{child}: not allowed (additionalProperties is false)");
            }
            else if (schema["additionalProperties"] is JsonObject additional)
            {
                Check(value, additional, child, errors);
            }
        }
    }

    private static void CheckValue(JsonValue value, JsonObject schema, string path, List<string> errors)
    {
        if (value.TryGetValue<string>(out var text))
        {
            if (schema["pattern"] is { } pattern && !Regex.IsMatch(text, pattern.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add($"{path}: '{text}' does not match {pattern.GetValue<string>()}");
            }

            return;
        }

        if (TypeOf(value) is "integer" or "number")
        {
            var number = value.GetValue<double>();
            if (schema["minimum"] is { } min && number < min.GetValue<double>())
            {
                errors.Add($"{path}: {number.ToString(CultureInfo.InvariantCulture)} is below the minimum {min}");
            }

            if (schema["maximum"] is { } max && number > max.GetValue<double>())
            {
                errors.Add($"{path}: {number.ToString(CultureInfo.InvariantCulture)} is above the maximum {max}");
            }
        }
    }

    /// <summary>The JSON Schema type name of a node ("integer" for whole numbers).</summary>
    public static string TypeOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v when v.TryGetValue<string>(out _) => "string",
        JsonValue v when v.TryGetValue<bool>(out _) => "boolean",
        JsonValue v when v.TryGetValue<double>(out var d) && Math.Abs(d % 1) == 0 => "integer",
        _ => "number",
    };
}
