using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>Serialiser settings of the AWS JSON 1.0 protocol: member names as the API reference
/// spells them (PascalCase), absent members omitted; answers read case-insensitively, since some
/// SQS-compatible servers differ in the case of members. Generated at build time (no reflection,
/// so a native build can use it): every document this client writes or reads is listed here.</summary>
internal static class SqsJson
{
    public static JsonSerializerOptions Options => SqsJsonContext.Default.Options;

    /// <summary>The generated contract of <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException">T is not listed in <see cref="SqsJsonContext"/> (a defect).</exception>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(QueueUrlRequest))]
[JsonSerializable(typeof(QueueNameRequest))]
[JsonSerializable(typeof(CreateQueueRequest))]
[JsonSerializable(typeof(GetQueueAttributesRequest))]
[JsonSerializable(typeof(ReceiveMessageRequest))]
[JsonSerializable(typeof(ChangeMessageVisibilityRequest))]
[JsonSerializable(typeof(BatchRequest<SendMessageBatchEntry>))]
[JsonSerializable(typeof(BatchRequest<DeleteMessageBatchEntry>))]
[JsonSerializable(typeof(BatchRequest<ChangeMessageVisibilityBatchEntry>))]
[JsonSerializable(typeof(RedrivePolicyDocument))]
[JsonSerializable(typeof(List<SqsMessage>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(BatchResult<IdEntry>))]
[JsonSerializable(typeof(BatchResult<SendMessageBatchResultEntry>))]
internal sealed partial class SqsJsonContext : JsonSerializerContext;
