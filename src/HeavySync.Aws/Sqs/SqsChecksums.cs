using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using HeavySync.Aws.Sqs.Protocol;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// The digests SQS returns so a client can check what the service stored: MD5 of the body (UTF-8)
/// and the MD5 of the message attributes in the documented encoding (per attribute, sorted by name:
/// length-prefixed name, length-prefixed data type, transport byte 1 for String/Number, length-prefixed value).
/// </summary>
public static class SqsChecksums
{
    /// <summary>Lower-case hex MD5 of the UTF-8 body.</summary>
    public static string BodyMd5(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
    }

    /// <summary>Lower-case hex MD5 of string-valued message attributes; null when there are none.</summary>
    public static string? AttributesMd5(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        foreach (var (name, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            WritePrefixed(buffer, name);
            WritePrefixed(buffer, value.DataType);
            buffer.WriteByte(1);
            WritePrefixed(buffer, value.StringValue ?? string.Empty);
        }

        return Convert.ToHexStringLower(MD5.HashData(buffer.ToArray()));
    }

    private static void WritePrefixed(MemoryStream buffer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
