using System.Text.Json.Nodes;

namespace HeavySync.Tests.Deploy;

public sealed class JsonSchemaSubsetTests
{
    private static readonly JsonObject Schema = (JsonObject)JsonNode.Parse("""
        {
          "type": "object",
          "additionalProperties": false,
          "required": ["kind", "count"],
          "properties": {
            "kind": { "type": "string", "enum": ["sqs", "pubsub"] },
            "count": { "type": "integer", "minimum": 1, "maximum": 10 },
            "url": { "type": "string", "pattern": "^https?://" },
            "maybe": { "type": ["integer", "null"] },
            "tags": { "type": "array", "items": { "type": "string" } },
            "labels": { "type": "object", "additionalProperties": { "type": "string" } },
            "free": { "type": "object" }
          }
        }
        """)!;

    [Fact]
    public void Validate_ConformingDocument_NoErrors()
    {
        var document = JsonNode.Parse("""{"kind":"sqs","count":3,"url":"https://x","maybe":null,"tags":["a"],"labels":{"a":"b"},"free":{"any":[1,{"x":true}]}}""");

        Assert.Empty(JsonSchemaSubset.Validate(document, Schema));
    }

    [Theory]
    [InlineData("""{"kind":"sqs"}""", "$: missing required 'count'")]
    [InlineData("""{"kind":"kafka","count":1}""", "$.kind: \"kafka\" is not one of")]
    [InlineData("""{"kind":"sqs","count":0}""", "$.count: 0 is below the minimum 1")]
    [InlineData("""{"kind":"sqs","count":11}""", "$.count: 11 is above the maximum 10")]
    [InlineData("""{"kind":"sqs","count":1.5}""", "$.count: expected integer, found number")]
    [InlineData("""{"kind":"sqs","count":"2"}""", "$.count: expected integer, found string")]
    [InlineData("""{"kind":"sqs","count":2,"url":"ftp://x"}""", "$.url: 'ftp://x' does not match")]
    [InlineData("""{"kind":"sqs","count":2,"colour":"blue"}""", "$.colour: not allowed")]
    [InlineData("""{"kind":"sqs","count":2,"maybe":"x"}""", "$.maybe: expected integer or null, found string")]
    [InlineData("""{"kind":"sqs","count":2,"tags":["a",3]}""", "$.tags[1]: expected string, found integer")]
    [InlineData("""{"kind":"sqs","count":2,"labels":{"a":false}}""", "$.labels.a: expected string, found boolean")]
    public void Validate_Violation_ReportsPathAndProblem(string json, string expected)
    {
        var errors = JsonSchemaSubset.Validate(JsonNode.Parse(json), Schema);

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnsupportedKeyword_Throws()
    {
        var schema = (JsonObject)JsonNode.Parse("""{"type":"object","oneOf":[{"type":"object"}]}""")!;

        Assert.Throws<NotSupportedException>(() => JsonSchemaSubset.Validate(new JsonObject(), schema));
    }

    [Fact]
    public void YamlJson_PlainAndQuotedScalars_TypedLikeHelm()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "v.yaml");
        File.WriteAllText(file, "a: 16\nb: \"16\"\nc: true\nd: ~\ne: 2.5\nf: text\ng:\nh: '0'\n");

        var json = (JsonObject)YamlJson.Load(file)!;

        Assert.Equal("integer", JsonSchemaSubset.TypeOf(json["a"]));
        Assert.Equal("string", JsonSchemaSubset.TypeOf(json["b"]));
        Assert.Equal("boolean", JsonSchemaSubset.TypeOf(json["c"]));
        Assert.Null(json["d"]);
        Assert.Equal("number", JsonSchemaSubset.TypeOf(json["e"]));
        Assert.Equal("string", JsonSchemaSubset.TypeOf(json["f"]));
        Assert.True(json.ContainsKey("g") && json["g"] is null);
        Assert.Equal("string", JsonSchemaSubset.TypeOf(json["h"]));
    }

    [Fact]
    public void YamlJson_Merge_MapsMergeDeeplyNullsRemoveOtherValuesReplaced()
    {
        var under = JsonNode.Parse("""{"a":{"b":1,"c":[1,2]},"d":"x","f":2}""");
        var over = JsonNode.Parse("""{"a":{"c":[3]},"e":true,"f":null}""");

        var merged = YamlJson.Merge(under, over);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"b":1,"c":[3]},"d":"x","e":true}"""), merged), merged?.ToJsonString());
    }
}
