using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace HeavySync.Google.Storage;

/// <summary>
/// The body of an objects.insert <c>uploadType=multipart</c> request (multipart/related: the JSON
/// metadata part, then the media part), written straight from the caller's buffer without copying it.
/// </summary>
internal sealed class MultipartUploadContent : HttpContent
{
    private readonly byte[] _head;
    private readonly ReadOnlyMemory<byte> _media;
    private readonly byte[] _tail;

    public MultipartUploadContent(byte[] metadataJson, ReadOnlyMemory<byte> media, string? mediaType)
    {
        var boundary = "hs_" + Guid.NewGuid().ToString("N");
        _head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
            .Concat(metadataJson)
            .Concat(Encoding.ASCII.GetBytes($"\r\n--{boundary}\r\nContent-Type: {mediaType ?? "application/octet-stream"}\r\n\r\n"))
            .ToArray();
        _media = media;
        _tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/related; boundary={boundary}");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_head, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(_media, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(_tail, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _head.Length + _media.Length + _tail.Length;
        return true;
    }
}
