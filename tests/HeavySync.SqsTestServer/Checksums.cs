using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HeavySync.SqsTestServer;

/// <summary>The digests SQS answers with: MD5 of the UTF-8 body, and MD5 of the message attributes in
/// the documented encoding (sorted by name; length-prefixed name and type, transport byte 1 for
/// String/Number or 2 for Binary, length-prefixed value).</summary>
internal static class Checksums
{
    public static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    public static string? AttributesMd5(IReadOnlyDictionary<string, AttributeValue> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        foreach (var (name, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Prefixed(buffer, Encoding.UTF8.GetBytes(name));
            Prefixed(buffer, Encoding.UTF8.GetBytes(value.DataType));
            if (value.BinaryValue is { } binary)
            {
                buffer.WriteByte(2);
                Prefixed(buffer, binary);
            }
            else
            {
                buffer.WriteByte(1);
                Prefixed(buffer, Encoding.UTF8.GetBytes(value.StringValue ?? string.Empty));
            }
        }

        return Convert.ToHexStringLower(MD5.HashData(buffer.ToArray()));
    }

    private static void Prefixed(MemoryStream buffer, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
