using System.Globalization;
using System.Text.Json;

namespace HeavySync.SqsTestServer;

/// <summary>The settable attributes of a queue, validated as the API reference bounds them.</summary>
public sealed record QueueSettings
{
    public int VisibilityTimeout { get; init; } = 30;

    public int MaximumMessageSize { get; init; } = 262_144;

    public int MessageRetentionPeriod { get; init; } = 345_600;

    public int DelaySeconds { get; init; }

    public int ReceiveMessageWaitTimeSeconds { get; init; }

    /// <summary>The RedrivePolicy JSON as given; null when none.</summary>
    public string? RedrivePolicy { get; init; }

    public string? DeadLetterTargetArn { get; init; }

    public int MaxReceiveCount { get; init; }

    public string? Policy { get; init; }

    /// <summary>Attribute names and values as GetQueueAttributes reports the settable ones.</summary>
    public IEnumerable<KeyValuePair<string, string>> Reported()
    {
        yield return new("VisibilityTimeout", Text(VisibilityTimeout));
        yield return new("MaximumMessageSize", Text(MaximumMessageSize));
        yield return new("MessageRetentionPeriod", Text(MessageRetentionPeriod));
        yield return new("DelaySeconds", Text(DelaySeconds));
        yield return new("ReceiveMessageWaitTimeSeconds", Text(ReceiveMessageWaitTimeSeconds));
        if (RedrivePolicy is not null)
        {
            yield return new("RedrivePolicy", RedrivePolicy);
        }

        if (Policy is not null)
        {
            yield return new("Policy", Policy);
        }
    }

    /// <summary>These settings with <paramref name="attributes"/> applied; throws the documented errors.</summary>
    public QueueSettings With(IReadOnlyDictionary<string, string> attributes, Func<string, bool> queueArnExists)
    {
        var result = this;
        foreach (var (name, value) in attributes)
        {
            result = name switch
            {
                "VisibilityTimeout" => result with { VisibilityTimeout = Bounded(name, value, 0, 43_200) },
                "MaximumMessageSize" => result with { MaximumMessageSize = Bounded(name, value, 1_024, 262_144) },
                "MessageRetentionPeriod" => result with { MessageRetentionPeriod = Bounded(name, value, 60, 1_209_600) },
                "DelaySeconds" => result with { DelaySeconds = Bounded(name, value, 0, 900) },
                "ReceiveMessageWaitTimeSeconds" => result with { ReceiveMessageWaitTimeSeconds = Bounded(name, value, 0, 20) },
                "RedrivePolicy" => WithRedrive(result, value, queueArnExists),
                "Policy" => result with { Policy = value },
                _ => throw new SqsError(400, "InvalidAttributeName", "InvalidAttributeName", $"Unknown Attribute {name}."),
            };
        }

        return result;
    }

    private static QueueSettings WithRedrive(QueueSettings settings, string value, Func<string, bool> queueArnExists)
    {
        if (value.Length == 0)
        {
            return settings with { RedrivePolicy = null, DeadLetterTargetArn = null, MaxReceiveCount = 0 };
        }

        string? arn = null;
        int? max = null;
        try
        {
            using var document = JsonDocument.Parse(value);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "deadLetterTargetArn" && property.Value.ValueKind == JsonValueKind.String)
                {
                    arn = property.Value.GetString();
                }
                else if (property.Name == "maxReceiveCount")
                {
                    max = property.Value.ValueKind switch
                    {
                        JsonValueKind.Number when property.Value.TryGetInt32(out var n) => n,
                        JsonValueKind.String when int.TryParse(property.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                        _ => null,
                    };
                }
            }
        }
        catch (JsonException)
        {
            throw SqsError.InvalidParameter($"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value for the parameter RedrivePolicy.");
        }

        if (arn is null || max is null or < 1 or > 1000)
        {
            throw SqsError.InvalidParameter($"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy requires deadLetterTargetArn and maxReceiveCount between 1 and 1000.");
        }

        if (!queueArnExists(arn))
        {
            throw SqsError.InvalidParameter($"Value {value} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
        }

        return settings with { RedrivePolicy = value, DeadLetterTargetArn = arn, MaxReceiveCount = max.Value };
    }

    private static int Bounded(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw SqsError.InvalidParameter($"Invalid value for the parameter {name}.");

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
