using System.Text.Json;
using System.Text.Json.Serialization;

namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>Serialiser settings of the AWS JSON 1.0 protocol: member names as the API reference
/// spells them (PascalCase), absent members omitted; answers read case-insensitively, since some
/// SQS-compatible servers differ in the case of members.</summary>
internal static class SqsJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };
}
