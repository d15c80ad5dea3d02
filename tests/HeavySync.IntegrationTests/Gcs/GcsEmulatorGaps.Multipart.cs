using System.Collections.Specialized;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    /// <summary>
    /// objects.insert with uploadType=multipart. The emulator's parser accepts only parts whose first
    /// and only header is Content-Type; RFC 2046 parts may carry any headers or none (Go's client,
    /// used by rclone, sends the media part without headers). The layer parses the body itself and stores metadata and media
    /// through the emulator in the form it accepts.
    /// </summary>
    private async Task MultipartUploadAsync(HttpListenerRequest request, HttpListenerResponse response, string bucket, NameValueCollection query)
    {
        var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var boundary = request.ContentType?.Split("boundary=", 2) is [_, var b] ? b.Split(';')[0].Trim('"', ' ') : null;
        var parts = boundary is null ? [] : SplitParts(body.ToArray(), boundary);
        if (parts.Count != 2)
        {
            await ErrorAsync(response, 400, "invalid", "a multipart upload needs exactly a metadata part and a media part");
            return;
        }

        var metadata = JsonNode.Parse(parts[0].Body)!.AsObject();
        if (query["name"] is { } name)
        {
            metadata["name"] = name;
        }

        var objectName = metadata["name"]?.GetValue<string>();
        if (objectName is null || !await GenerationMatchesAsync(response, bucket, objectName, query["ifGenerationMatch"]))
        {
            if (objectName is null)
            {
                await ErrorAsync(response, 400, "required", "Required: the object name");
            }

            return;
        }

        var snapshot = await SnapshotAsync(bucket, objectName);
        var stored = await StoreAsync(bucket, metadata.ToJsonString(), parts[1].ContentType ?? metadata["contentType"]?.GetValue<string>(), parts[1].Body);
        Archive(bucket, snapshot);
        await JsonAsync(response, 200, AsServed(bucket, JsonNode.Parse(stored)!));
    }

    private static List<(string? ContentType, byte[] Body)> SplitParts(byte[] body, string boundary)
    {
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var parts = new List<(string?, byte[])>();
        var span = body.AsSpan();
        var at = span.IndexOf(delimiter);
        while (at >= 0)
        {
            var rest = span[(at + delimiter.Length)..];
            if (rest.StartsWith("--"u8))
            {
                break;
            }

            var next = rest.IndexOf(delimiter);
            if (next < 0)
            {
                break;
            }

            // After the delimiter's CRLF come header lines, then an empty line (none at all is allowed).
            var part = rest[..next];
            part = part.StartsWith("\r\n"u8) ? part[2..] : part;
            part = part.EndsWith("\r\n"u8) ? part[..^2] : part;
            var end = part.StartsWith("\r\n"u8) ? 0 : part.IndexOf("\r\n\r\n"u8);
            var headers = end <= 0 ? string.Empty : Encoding.ASCII.GetString(part[..end]);
            var content = end < 0 ? part : part[(end == 0 ? 2 : end + 4)..];
            var contentType = headers.Split("\r\n")
                .Select(h => h.Split(':', 2))
                .Where(h => h.Length == 2 && h[0].Trim().Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                .Select(h => h[1].Trim())
                .FirstOrDefault();
            parts.Add((contentType, content.ToArray()));
            span = rest[next..];
            at = 0;
        }

        return parts;
    }
}
