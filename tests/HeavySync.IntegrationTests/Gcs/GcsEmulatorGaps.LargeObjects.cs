using System.Net.Http.Headers;
using System.Text;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    /// <summary>Finished uploads larger than this are stored in pieces (the emulator takes at most 130 MB per request body).</summary>
    private const int LargeObjectBytes = 100 * 1024 * 1024;

    /// <summary>Bytes per piece of a large object.</summary>
    private const int PieceBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Stores a large object through the emulator's own resumable upload service (the emulator stays
    /// the storage engine; it has no objects.compose): the session starts on the GCS JSON route, every
    /// piece but the last is appended with the Firebase route's <c>x-goog-upload-command: upload</c>
    /// (the only command that appends without finishing; see scripts/gcs-emulator/launcher.js), and
    /// the last piece goes with a GCS JSON PUT, which finishes the upload. Returns the resource JSON.
    /// </summary>
    private async Task<string> StoreLargeAsync(string bucket, string metadataJson, string? contentType, byte[] data)
    {
        var escapedBucket = Uri.EscapeDataString(bucket);
        using var start = new HttpRequestMessage(HttpMethod.Post, new Uri(_upstream, $"upload/storage/v1/b/{escapedBucket}/o?uploadType=resumable"))
        {
            Content = new StringContent(metadataJson, Encoding.UTF8, "application/json"),
        };
        start.Headers.TryAddWithoutValidation("X-Upload-Content-Type", contentType ?? "application/octet-stream");
        using var started = await _http.SendAsync(start);
        var session = started.IsSuccessStatusCode && started.Headers.Location is { } location
            ? System.Web.HttpUtility.ParseQueryString(location.Query)
            : throw new InvalidOperationException($"the emulator did not start a resumable upload: {(int)started.StatusCode}");
        var query = $"name={Uri.EscapeDataString(session["name"]!)}&upload_id={Uri.EscapeDataString(session["upload_id"]!)}";

        var offset = 0;
        for (; data.Length - offset > PieceBytes; offset += PieceBytes)
        {
            using var piece = new HttpRequestMessage(HttpMethod.Post, new Uri(_upstream, $"v0/b/{escapedBucket}/o?{query}&upload_protocol=resumable"))
            {
                Content = new ByteArrayContent(data, offset, PieceBytes),
            };
            piece.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            piece.Headers.TryAddWithoutValidation("X-Goog-Upload-Protocol", "resumable");
            piece.Headers.TryAddWithoutValidation("X-Goog-Upload-Command", "upload");
            using var appended = await _http.SendAsync(piece);
            if (!appended.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"the emulator refused a piece of a large object: {(int)appended.StatusCode}");
            }
        }

        using var last = new ByteArrayContent(data, offset, data.Length - offset);
        using var finished = await _http.PutAsync(new Uri(_upstream, $"upload/storage/v1/b/{escapedBucket}/o?uploadType=resumable&{query}"), last);
        var text = await finished.Content.ReadAsStringAsync();
        return finished.IsSuccessStatusCode ? text : throw new InvalidOperationException($"the emulator refused to finish a large object: {(int)finished.StatusCode} {text}");
    }
}
