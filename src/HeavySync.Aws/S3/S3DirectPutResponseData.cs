using System.Net;
using Amazon.Runtime.EventStreams;
using Amazon.Runtime.Internal.Transform;

namespace HeavySync.Aws.S3;

/// <summary>An error answer of <see cref="S3DirectPut"/> in the SDK's response shape, read in full:
/// what <see cref="Amazon.Runtime.Internal.HttpErrorResponseException"/> carries to whoever inspects
/// the headers (Retry-After).</summary>
internal sealed class S3DirectPutResponseData : IWebResponseData, IHttpResponseBody
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);
    private readonly byte[] _body;

    public S3DirectPutResponseData(HttpResponseMessage response, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(response);
        StatusCode = response.StatusCode;
        IsSuccessStatusCode = response.IsSuccessStatusCode;
        ContentType = response.Content.Headers.ContentType?.ToString() ?? string.Empty;
        ContentLength = body.Length;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            _headers[name] = string.Join(',', values);
        }

        _body = body;
    }

    public long ContentLength { get; }

    public string ContentType { get; }

    public HttpStatusCode StatusCode { get; }

    public bool IsSuccessStatusCode { get; }

    public IHttpResponseBody ResponseBody => this;

    public string[] GetHeaderNames() => [.. _headers.Keys];

    public bool IsHeaderPresent(string headerName) => _headers.ContainsKey(headerName);

    public string GetHeaderValue(string headerName) => _headers.TryGetValue(headerName, out var value) ? value : string.Empty;

    public IEventStreamHeader GetEventStreamHeader(string headerName) => throw new NotSupportedException("not an event stream");

    public bool IsEventHeaderPresent(string headerName) => false;

    public Stream OpenResponse() => new MemoryStream(_body, writable: false);

    public Task<Stream> OpenResponseAsync() => Task.FromResult(OpenResponse());

    public void Dispose()
    {
        // The body is a byte array: nothing to release.
    }
}
