using System.Text.Json.Serialization;

namespace HeavySync.Google.PubSub;

/// <summary>The JSON bodies of Pub/Sub REST v1 and Cloud Monitoring v3 this client uses, field names as Google documents them.</summary>
internal static class PubSubWire
{
    public sealed record OutgoingMessage(
        [property: JsonPropertyName("data")] string Data,
        [property: JsonPropertyName("attributes")] IReadOnlyDictionary<string, string>? Attributes);

    public sealed record PublishRequest([property: JsonPropertyName("messages")] IReadOnlyList<OutgoingMessage> Messages);

    public sealed record PublishResponse([property: JsonPropertyName("messageIds")] IReadOnlyList<string>? MessageIds);

    public sealed record PullRequest(
        [property: JsonPropertyName("maxMessages")] int MaxMessages,
        [property: JsonPropertyName("returnImmediately")] bool ReturnImmediately);

    public sealed record IncomingMessage(
        [property: JsonPropertyName("data")] string? Data,
        [property: JsonPropertyName("attributes")] Dictionary<string, string>? Attributes,
        [property: JsonPropertyName("messageId")] string? MessageId);

    public sealed record ReceivedMessage(
        [property: JsonPropertyName("ackId")] string AckId,
        [property: JsonPropertyName("message")] IncomingMessage? Message,
        [property: JsonPropertyName("deliveryAttempt")] int DeliveryAttempt);

    public sealed record PullResponse([property: JsonPropertyName("receivedMessages")] IReadOnlyList<ReceivedMessage>? ReceivedMessages);

    public sealed record AcknowledgeRequest([property: JsonPropertyName("ackIds")] IReadOnlyList<string> AckIds);

    public sealed record ModifyAckDeadlineRequest(
        [property: JsonPropertyName("ackIds")] IReadOnlyList<string> AckIds,
        [property: JsonPropertyName("ackDeadlineSeconds")] int AckDeadlineSeconds);

    public sealed record Topic([property: JsonPropertyName("name")] string? Name);

    public sealed record DeadLetterPolicy(
        [property: JsonPropertyName("deadLetterTopic")] string DeadLetterTopic,
        [property: JsonPropertyName("maxDeliveryAttempts")] int MaxDeliveryAttempts);

    public sealed record Subscription(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("topic")] string? Topic,
        [property: JsonPropertyName("ackDeadlineSeconds")] int? AckDeadlineSeconds,
        [property: JsonPropertyName("deadLetterPolicy")] DeadLetterPolicy? DeadLetterPolicy);

    public sealed record TypedValue([property: JsonPropertyName("int64Value")] string? Int64Value);

    public sealed record Point([property: JsonPropertyName("value")] TypedValue? Value);

    public sealed record TimeSeries([property: JsonPropertyName("points")] IReadOnlyList<Point>? Points);

    public sealed record ListTimeSeriesResponse([property: JsonPropertyName("timeSeries")] IReadOnlyList<TimeSeries>? TimeSeries);
}

/// <summary>The bodies' serialiser, generated at build time (no reflection, so a native build can
/// use it): web defaults, absent members omitted. Every body the client sends or reads is listed.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PubSubWire.PublishRequest))]
[JsonSerializable(typeof(PubSubWire.PublishResponse))]
[JsonSerializable(typeof(PubSubWire.PullRequest))]
[JsonSerializable(typeof(PubSubWire.PullResponse))]
[JsonSerializable(typeof(PubSubWire.AcknowledgeRequest))]
[JsonSerializable(typeof(PubSubWire.ModifyAckDeadlineRequest))]
[JsonSerializable(typeof(PubSubWire.Topic))]
[JsonSerializable(typeof(PubSubWire.Subscription))]
[JsonSerializable(typeof(PubSubWire.ListTimeSeriesResponse))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
internal sealed partial class PubSubJsonContext : JsonSerializerContext;
