using System.Net;
using System.Xml;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;

namespace HeavySync.Aws.S3;

/// <summary>
/// Turns an error answer to <see cref="S3DirectPut"/> into the exception the SDK throws for it: an
/// <see cref="AmazonS3Exception"/> with the error code, message and request id of S3's XML error
/// document and the HTTP status, whose inner <see cref="HttpErrorResponseException"/> carries the
/// response headers (Retry-After), so <see cref="S3ErrorMapper"/> needs no second path.
/// </summary>
internal static class S3DirectPutError
{
    /// <summary>The exception for <paramref name="response"/>, whose body is <paramref name="body"/>.</summary>
    public static AmazonS3Exception From(HttpResponseMessage response, byte[] body)
    {
        var (code, message, requestId) = Parse(body);
        var status = response.StatusCode;
        requestId ??= Header(response, "x-amz-request-id");
        return new AmazonS3Exception(
            message ?? code ?? $"HTTP {(int)status}",
            new HttpErrorResponseException(new S3DirectPutResponseData(response, body)),
            (int)status >= 500 ? ErrorType.Receiver : ErrorType.Sender,
            code,
            requestId,
            status,
            Header(response, "x-amz-id-2"));
    }

    /// <summary>Code, Message and RequestId of an S3 error document; nulls where the body has none
    /// (an empty body, or not XML: a proxy's error page).</summary>
    internal static (string? Code, string? Message, string? RequestId) Parse(byte[] body)
    {
        if (body.Length == 0)
        {
            return (null, null, null);
        }

        string? code = null, message = null, requestId = null;
        try
        {
            using var reader = XmlReader.Create(
                new MemoryStream(body, writable: false),
                new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true });
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "Error")
            {
                return (null, null, null);
            }

            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.Depth != 1)
                {
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "Code":
                        code = NonEmpty(reader.ReadElementContentAsString());
                        break;
                    case "Message":
                        message = NonEmpty(reader.ReadElementContentAsString());
                        break;
                    case "RequestId":
                        requestId = NonEmpty(reader.ReadElementContentAsString());
                        break;
                }
            }
        }
        catch (XmlException)
        {
            // Not an S3 error document: the status alone classifies it.
        }

        return (code, message, requestId);
    }

    private static string? NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
