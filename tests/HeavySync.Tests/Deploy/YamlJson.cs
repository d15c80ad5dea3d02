using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// YAML as Helm sees it: loaded (with anchors, aliases and merge keys) and typed the way Helm's
/// YAML-to-JSON step types plain scalars (true/false, null/~, integers, floats), so the result can be
/// validated against values.schema.json; plus Helm's deep merge of values files.
/// </summary>
public static partial class YamlJson
{
    /// <summary>Parses the first document of a YAML file; throws <see cref="YamlException"/> when malformed.</summary>
    public static YamlNode LoadNode(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode;
    }

    /// <summary>The file as JSON.</summary>
    public static JsonNode? Load(string path) => ToJson(LoadNode(path));

    /// <summary>A YAML node as JSON, scalars typed like Helm types them.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? string.Empty, ToJson(kv.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException($"YAML node {node.NodeType} at {node.Start}"),
    };

    /// <summary>Helm's values merge: mappings merge key by key, a null removes the key, anything else is replaced.</summary>
    public static JsonNode? Merge(JsonNode? under, JsonNode? over)
    {
        if (under is JsonObject baseMap && over is JsonObject overMap)
        {
            var merged = (JsonObject)baseMap.DeepClone();
            foreach (var (key, value) in overMap)
            {
                // Helm: a null in a values file deletes the key (e.g. `copier.replicas: null`).
                if (value is null)
                {
                    merged.Remove(key);
                }
                else
                {
                    merged[key] = Merge(merged[key], value.DeepClone());
                }
            }

            return merged;
        }

        return over?.DeepClone();
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when Number().IsMatch(text) => JsonNode.Parse(double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex(@"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex Number();
}
