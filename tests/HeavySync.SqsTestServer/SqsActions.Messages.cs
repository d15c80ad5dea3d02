using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HeavySync.SqsTestServer;

internal sealed partial class SqsActions
{
    private const int MaxAttributes = 10;

    private object SendMessage(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var (text, attributes, delay) = ReadMessage(body, queue);
        var message = queue.Send(text, attributes, delay);
        return SentAnswer(null, message);
    }

    private async Task<object> ReceiveMessageAsync(RequestBody body, CancellationToken cancellationToken)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var max = body.OptionalInt("MaxNumberOfMessages") ?? 1;
        if (max is < 1 or > 10)
        {
            throw SqsError.InvalidParameter($"Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        }

        var wait = body.OptionalInt("WaitTimeSeconds") ?? queue.Settings.ReceiveMessageWaitTimeSeconds;
        if (wait is < 0 or > 20)
        {
            throw SqsError.InvalidParameter($"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
        }

        var visibility = body.OptionalInt("VisibilityTimeout") ?? queue.Settings.VisibilityTimeout;
        if (visibility is < 0 or > 43_200)
        {
            throw SqsError.InvalidParameter($"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.");
        }

        var systemNames = body.StringList("MessageSystemAttributeNames").Concat(body.StringList("AttributeNames")).ToHashSet(StringComparer.Ordinal);
        var attributeNames = body.StringList("MessageAttributeNames");
        var delivered = await queue.ReceiveAsync(max, TimeSpan.FromSeconds(wait), visibility, cancellationToken).ConfigureAwait(false);
        var messages = delivered.Select(d => ReceivedAnswer(d, systemNames, attributeNames)).ToList();
        return new { Messages = messages.Count > 0 ? messages : null };
    }

    private object DeleteMessage(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        queue.Delete(HandleFor(queue, body.RequiredString("ReceiptHandle")));
        return Empty;
    }

    private object ChangeMessageVisibility(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var handle = HandleFor(queue, body.RequiredString("ReceiptHandle"));
        queue.ChangeVisibility(handle, VisibilityOf(body));
        return Empty;
    }

    private static int VisibilityOf(RequestBody body)
    {
        var seconds = body.OptionalInt("VisibilityTimeout") ?? throw SqsError.Missing("VisibilityTimeout");
        return seconds is < 0 or > 43_200
            ? throw SqsError.InvalidParameter($"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200.")
            : seconds;
    }

    /// <summary>A handle this server issued for this queue; ReceiptHandleIsInvalid otherwise.</summary>
    private static ReceiptHandle HandleFor(SqsQueue queue, string value)
    {
        var handle = ReceiptHandle.Parse(value);
        return handle.Queue == queue.Name
            ? handle
            : throw SqsError.ReceiptHandleIsInvalid($"The receipt handle \"{value}\" is not valid for this queue.");
    }

    /// <summary>Body, attributes and delay of one message, validated (InvalidMessageContents, size, attribute rules).</summary>
    private static (string Body, Dictionary<string, AttributeValue> Attributes, int? Delay) ReadMessage(RequestBody body, SqsQueue queue)
    {
        var text = body.RequiredString("MessageBody");
        if (text.Length == 0)
        {
            throw SqsError.InvalidParameter("The request must contain the parameter MessageBody.");
        }

        if (!ValidCharacters(text))
        {
            throw new SqsError(400, "InvalidMessageContents", "InvalidMessageContents", "Invalid binary character in the message body.");
        }

        var attributes = ReadAttributes(body);
        var size = Encoding.UTF8.GetByteCount(text) + attributes.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + Encoding.UTF8.GetByteCount(a.Value.DataType)
            + (a.Value.BinaryValue?.Length ?? Encoding.UTF8.GetByteCount(a.Value.StringValue ?? string.Empty)));
        if (size > queue.Settings.MaximumMessageSize)
        {
            throw SqsError.InvalidParameter($"One or more parameters are invalid. Reason: Message must be shorter than {queue.Settings.MaximumMessageSize} bytes.");
        }

        var delay = body.OptionalInt("DelaySeconds");
        if (delay is < 0 or > 900)
        {
            throw SqsError.InvalidParameter($"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
        }

        return (text, attributes, delay);
    }

    private static Dictionary<string, AttributeValue> ReadAttributes(RequestBody body)
    {
        var result = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        if (body.Member("MessageAttributes") is not { ValueKind: JsonValueKind.Object } attributes)
        {
            return result;
        }

        foreach (var property in attributes.EnumerateObject())
        {
            var value = new RequestBody(property.Value);
            var type = value.OptionalString("DataType") ?? throw SqsError.InvalidParameter($"The message attribute '{property.Name}' must contain a non-empty attribute type.");
            if (!(type.StartsWith("String", StringComparison.Ordinal) || type.StartsWith("Number", StringComparison.Ordinal) || type.StartsWith("Binary", StringComparison.Ordinal)))
            {
                throw SqsError.InvalidParameter($"The type of message (user) attribute '{property.Name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
            }

            if (type.StartsWith("Binary", StringComparison.Ordinal))
            {
                var binary = value.OptionalString("BinaryValue") ?? throw SqsError.InvalidParameter($"The message attribute '{property.Name}' must contain a non-empty message attribute value.");
                result[property.Name] = new AttributeValue(type, null, Convert.FromBase64String(binary));
            }
            else
            {
                var text = value.OptionalString("StringValue");
                if (string.IsNullOrEmpty(text))
                {
                    throw SqsError.InvalidParameter($"The message attribute '{property.Name}' must contain a non-empty message attribute value for message attribute type '{type}'.");
                }

                result[property.Name] = new AttributeValue(type, text, null);
            }
        }

        if (result.Count > MaxAttributes)
        {
            throw SqsError.InvalidParameter($"Number of message attributes [{result.Count}] exceeds the allowed maximum [{MaxAttributes}].");
        }

        return result;
    }

    /// <summary>The characters SQS allows in a body: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.</summary>
    private static bool ValidCharacters(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf16(rest, out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            var c = rune.Value;
            if (!(c is 0x9 or 0xA or 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000))
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }

    private static object SentAnswer(string? id, StoredMessage message) => new
    {
        Id = id,
        MessageId = message.Id,
        MD5OfMessageBody = Checksums.Md5Hex(message.Body),
        MD5OfMessageAttributes = Checksums.AttributesMd5(message.Attributes),
    };

    private object ReceivedAnswer(DeliveredMessage delivered, HashSet<string> systemNames, IReadOnlyList<string> attributeNames)
    {
        var message = delivered.Message;
        var all = systemNames.Contains("All");
        var system = new Dictionary<string, string>(StringComparer.Ordinal);
        if (all || systemNames.Contains("ApproximateReceiveCount"))
        {
            system["ApproximateReceiveCount"] = delivered.ReceiveCount.ToString(CultureInfo.InvariantCulture);
        }

        if (all || systemNames.Contains("SentTimestamp"))
        {
            system["SentTimestamp"] = message.SentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        if (all || systemNames.Contains("ApproximateFirstReceiveTimestamp"))
        {
            system["ApproximateFirstReceiveTimestamp"] = delivered.FirstReceivedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        var chosen = message.Attributes
            .Where(a => attributeNames.Any(name => name is "All" or ".*" || name == a.Key || (name.EndsWith(".*", StringComparison.Ordinal) && a.Key.StartsWith(name[..^1], StringComparison.Ordinal))))
            .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var md5 = Checksums.Md5Hex(message.Body);
        if (faults.TakeCorruptBody())
        {
            md5 = Checksums.Md5Hex(message.Body + "(corrupted by the test)");
        }

        return new
        {
            MessageId = message.Id,
            ReceiptHandle = delivered.ReceiptHandle,
            MD5OfBody = md5,
            Body = message.Body,
            Attributes = system.Count > 0 ? system : null,
            MD5OfMessageAttributes = Checksums.AttributesMd5(chosen),
            MessageAttributes = chosen.Count > 0
                ? chosen.ToDictionary(a => a.Key, a => (object)new { a.Value.DataType, a.Value.StringValue, BinaryValue = a.Value.BinaryValue is null ? null : Convert.ToBase64String(a.Value.BinaryValue) })
                : null,
        };
    }
}
