using System.Buffers.Text;
using System.Text;

namespace HeavySync.SqsTestServer;

/// <summary>
/// A receipt handle: opaque to clients, new on every receive. It names the queue, the message and
/// the receive it came from, so the queue can tell the latest handle from a stale one.
/// </summary>
public sealed record ReceiptHandle(string Queue, string MessageId, string Nonce)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Queue}\n{MessageId}\n{Nonce}"));

    /// <summary>Parses a handle; throws ReceiptHandleIsInvalid for anything this server did not issue.</summary>
    public static ReceiptHandle Parse(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            try
            {
                var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value)).Split('\n');
                if (parts.Length == 3 && parts.All(part => part.Length > 0))
                {
                    return new ReceiptHandle(parts[0], parts[1], parts[2]);
                }
            }
            catch (FormatException)
            {
                // Not base64url: falls through to the documented error.
            }
        }

        throw SqsError.ReceiptHandleIsInvalid($"The input receipt handle \"{value}\" is not a valid receipt handle.");
    }
}
