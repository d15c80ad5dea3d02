using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal.Auth;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Util;
using Amazon.Util;

namespace HeavySync.Aws.S3;

/// <summary>
/// PutObject of a small buffered body sent straight over <see cref="HttpClient"/> and signed with
/// Signature Version 4 (the signature itself from AWSSDK.Core's <see cref="AWS4Signer"/>), around
/// the SDK's request pipeline. For a body of a few kilobytes that pipeline (endpoint rules, a dozen
/// handlers, marshalling, response unmarshalling) costs about three times the client CPU of the
/// request itself (measured: ~1.4 ms against ~0.45 ms per 4 KiB PUT), and on a machine that also
/// runs the server, client CPU per request is throughput.
/// <para>The endpoint and signing scope come from the SDK's own endpoint rules, resolved once per
/// bucket; a bucket the rules route anywhere unusual (S3 Express session auth, SigV4a multi-region
/// access points, extra endpoint headers), anonymous credentials, and keys or values this class does
/// not send byte-exact (dot segments, invalid UTF-16, header values outside printable ASCII) keep the
/// SDK. The request carries the headers the SDK's PutObject signs (Content-Length, Content-MD5,
/// Content-Type, Host, x-amz-content-sha256 with the body's SHA-256, x-amz-date, metadata, session
/// token), and a failure surfaces as the exception the SDK would throw (<see cref="AmazonS3Exception"/>
/// with the service's error code, the status and the response headers), so <see cref="S3ErrorMapper"/>
/// classifies both paths alike.</para>
/// </summary>
internal sealed class S3DirectPut : IDisposable
{
    /// <summary>The Content-Type the SDK's PutObject marshaller sends when none is given and the key
    /// has no extension.</summary>
    public const string DefaultContentType = "text/plain";

    private const string SignedHeadersBase = "content-length;content-md5;content-type;host;x-amz-content-sha256;x-amz-date";
    private static readonly SearchValues<byte> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/"u8);

    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly IClientConfig _config;
    private readonly string _origin;
    private readonly string _basePath;
    private readonly string _host;
    private readonly string _region;
    private readonly string _clockKey;
    private readonly string _userAgent;

    private S3DirectPut(HttpClient http, AWSCredentials credentials, AmazonS3Config config, Uri bucketUri, string region)
    {
        _http = http;
        _credentials = credentials;
        _config = config;
        _origin = bucketUri.GetLeftPart(UriPartial.Authority);
        _basePath = bucketUri.AbsolutePath.TrimEnd('/');
        _host = bucketUri.IsDefaultPort ? bucketUri.IdnHost : $"{bucketUri.IdnHost}:{bucketUri.Port.ToString(CultureInfo.InvariantCulture)}";
        _region = region;

        // The key under which the SDK keeps a learned clock correction for this endpoint.
        _clockKey = new Uri(_origin).ToString();
        _userAgent = config.UserAgent;
    }

    /// <summary>
    /// The direct path for <paramref name="bucket"/>, or null when the SDK's endpoint rules route it
    /// somewhere that needs more than plain SigV4 for service "s3" (or the credentials are anonymous).
    /// </summary>
    /// <param name="config">The store's client configuration (endpoint, region, path style, timeout).</param>
    /// <param name="credentials">The store's credentials.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="handler">The HTTP stack; null for the one the SDK client gets (<see cref="S3HttpClientFactory"/>).
    /// Tests pass a recording handler.</param>
    public static S3DirectPut? TryCreate(AmazonS3Config config, AWSCredentials credentials, string bucket, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is AnonymousAWSCredentials)
        {
            return null;
        }

        Endpoint endpoint;
        try
        {
            endpoint = config.DetermineServiceOperationEndpoint(
                new ServiceOperationEndpointParameters(new PutObjectRequest { BucketName = bucket, Key = "k" }));
        }
        catch (AmazonClientException)
        {
            return null;
        }

        if (endpoint.Headers is { Count: > 0 }
            || SigV4Region(endpoint.Attributes) is not { } region
            || !Uri.TryCreate(endpoint.URL, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.Query.Length > 0)
        {
            return null;
        }

        var http = handler is null
            ? new S3HttpClientFactory().CreateHttpClient(config)
            : new HttpClient(handler) { Timeout = config.Timeout ?? Timeout.InfiniteTimeSpan };
        return new S3DirectPut(http, credentials, config, uri, region);
    }

    /// <summary>
    /// The object's URI, or null when this class cannot address <paramref name="fullKey"/> byte-exact:
    /// an empty key, a "." or ".." segment (URI normalisation would remove it), invalid UTF-16.
    /// </summary>
    public Uri? ObjectUri(string fullKey)
    {
        if (EncodePath(_basePath, fullKey) is not { } path)
        {
            return null;
        }

        // What is signed must be what is sent: refuse any key System.Uri would rewrite.
        var uri = new Uri(_origin + path);
        return uri.AbsolutePath == path && uri.Query.Length == 0 ? uri : null;
    }

    /// <summary>
    /// The Content-Type the SDK's PutObject sends: the given one, else the type its table maps the
    /// key's extension to (application/octet-stream for extensions it does not know), else
    /// <see cref="DefaultContentType"/>.
    /// </summary>
    public static string ContentTypeFor(string fullKey, string? contentType)
    {
        if (!string.IsNullOrEmpty(contentType))
        {
            return contentType;
        }

        var extension = AWSSDKUtils.GetExtension(fullKey);
        return string.IsNullOrEmpty(extension) ? DefaultContentType : AmazonS3Util.MimeTypeFromExtension(extension);
    }

    /// <summary>True when every value can travel as it is in a signed header (printable ASCII, no
    /// leading, trailing or doubled spaces, which SigV4 canonicalisation would change).</summary>
    public static bool IsPlainHeaderValue(string value)
    {
        if (value.Length == 0 || value[0] == ' ' || value[^1] == ' ' || value.Contains("  ", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Sends one PutObject; returns the ETag header as the server sent it and the server-side
    /// encryption the server reports. Throws <see cref="AmazonS3Exception"/> for an error answer;
    /// network failures and cancellation pass through as <see cref="HttpClient"/> throws them.
    /// </summary>
    /// <param name="uri">From <see cref="ObjectUri"/>.</param>
    /// <param name="body">The whole body.</param>
    /// <param name="md5">The body's MD5 (sent as Content-MD5).</param>
    /// <param name="contentType">Content-Type; <see cref="IsPlainHeaderValue"/> must hold.</param>
    /// <param name="metadata">User metadata (names lower case, without the x-amz-meta- prefix; values plain).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<(string? ETag, ServerSideEncryptionMethod? Encryption)> PutAsync(
        Uri uri,
        ArraySegment<byte> body,
        byte[] md5,
        string contentType,
        IReadOnlyList<KeyValuePair<string, string>> metadata,
        CancellationToken cancellationToken)
    {
        var credentials = await _credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var signedAt = CorrectClockSkew.GetCorrectedUtcNowForEndpoint(_clockKey, _config);
        var amzDate = signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var md5Base64 = Convert.ToBase64String(md5);
        var length = body.Count.ToString(CultureInfo.InvariantCulture);
        var path = uri.AbsolutePath;

        // Canonical request (SigV4): the path as sent (S3 paths are not encoded twice), no query,
        // the signed headers in name order, the payload hash.
        var canonical = new StringBuilder(384 + path.Length);
        canonical.Append("PUT\n").Append(path).Append("\n\n")
            .Append("content-length:").Append(length).Append('\n')
            .Append("content-md5:").Append(md5Base64).Append('\n')
            .Append("content-type:").Append(contentType).Append('\n')
            .Append("host:").Append(_host).Append('\n')
            .Append("x-amz-content-sha256:").Append(payloadHash).Append('\n')
            .Append("x-amz-date:").Append(amzDate).Append('\n');
        var signedHeaders = new StringBuilder(SignedHeadersBase, SignedHeadersBase.Length + 64);
        foreach (var (name, value) in SortedByName(metadata))
        {
            canonical.Append("x-amz-meta-").Append(name).Append(':').Append(value).Append('\n');
            signedHeaders.Append(";x-amz-meta-").Append(name);
        }

        if (credentials.UseToken)
        {
            canonical.Append("x-amz-security-token:").Append(credentials.Token).Append('\n');
            signedHeaders.Append(";x-amz-security-token");
        }

        var signed = signedHeaders.ToString();
        canonical.Append('\n').Append(signed).Append('\n').Append(payloadHash);
        var signature = AWS4Signer.ComputeSignature(credentials, _region, signedAt, "s3", signed, canonical.ToString());

        using var content = new ByteArrayContent(body.Array!, body.Offset, body.Count);
        content.Headers.ContentLength = body.Count;
        content.Headers.ContentMD5 = md5;
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        request.Headers.Host = _host;
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        foreach (var (name, value) in metadata)
        {
            request.Headers.TryAddWithoutValidation("x-amz-meta-" + name, value);
        }

        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("x-amz-security-token", credentials.Token);
        }

        request.Headers.TryAddWithoutValidation("Authorization", signature.ForAuthorizationHeader);
        request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            throw S3DirectPutError.From(response, answer);
        }

        var encryption = Header(response, "x-amz-server-side-encryption");
        return (Header(response, "ETag"), encryption is null ? null : ServerSideEncryptionMethod.FindValue(encryption));
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>
    /// "/base/k%C3%A9y/with%20space": each UTF-8 byte of the key outside RFC 3986's unreserved set
    /// (and '/') percent-encoded, as SigV4 canonicalises S3 paths. Null for keys sent otherwise.
    /// </summary>
    internal static string? EncodePath(string basePath, string fullKey)
    {
        if (fullKey.Length == 0 || HasDotSegment(fullKey))
        {
            return null;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(fullKey.Length));
        try
        {
            if (Utf8.FromUtf16(fullKey, bytes, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                return null;
            }

            var utf8 = bytes.AsSpan(0, written);
            var builder = new StringBuilder(basePath.Length + 1 + (written * 3));
            builder.Append(basePath).Append('/');
            foreach (var b in utf8)
            {
                if (Unreserved.Contains(b))
                {
                    builder.Append((char)b);
                }
                else
                {
                    builder.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));
                }
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool HasDotSegment(string key)
    {
        foreach (var segment in key.AsSpan().Split('/'))
        {
            var part = key.AsSpan(segment);
            if (part is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The signing region of a plain SigV4 "s3" auth scheme, the first the endpoint lists; else null.</summary>
    private static string? SigV4Region(IPropertyBag? attributes)
    {
        if (attributes?["authSchemes"] is not System.Collections.IEnumerable schemes)
        {
            return null;
        }

        foreach (var scheme in schemes)
        {
            return scheme is IPropertyBag bag
                && bag["name"] as string == "sigv4"
                && bag["signingName"] as string == "s3"
                && bag["signingRegion"] is string { Length: > 0 } region
                ? region
                : null;
        }

        return null;
    }

    private static IEnumerable<KeyValuePair<string, string>> SortedByName(IReadOnlyList<KeyValuePair<string, string>> metadata) =>
        metadata.Count <= 1 ? metadata : metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
