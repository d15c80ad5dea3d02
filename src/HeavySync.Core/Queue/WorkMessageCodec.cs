using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HeavySync.Queue;

/// <summary>The JSON wire form of <see cref="WorkMessage"/>; the only serialiser queues use.</summary>
public static class WorkMessageCodec
{
    /// <summary>The version this build writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    private static JsonTypeInfo<WorkMessage> Wire => WorkMessageJsonContext.Default.WorkMessage;

    /// <summary>Serialises a message to UTF-8 JSON.</summary>
    public static byte[] Encode(WorkMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Wire);

    /// <summary>Serialises a message to a JSON string.</summary>
    public static string EncodeString(WorkMessage message) => JsonSerializer.Serialize(message, Wire);

    /// <summary>Parses a message; throws <see cref="FormatException"/> on malformed or too-new input.</summary>
    public static WorkMessage Decode(ReadOnlySpan<byte> utf8)
    {
        WorkMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8, Wire);
        }
        catch (JsonException ex)
        {
            throw new FormatException("malformed work message: " + ex.Message, ex);
        }

        if (message is null || message.Tasks is null)
        {
            throw new FormatException("malformed work message: no tasks");
        }

        if (message.Version > CurrentVersion)
        {
            throw new FormatException($"work message version {message.Version} is newer than this build understands ({CurrentVersion})");
        }

        return message;
    }
}
