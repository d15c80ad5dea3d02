using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// Signature Version 4 for the SQS client's requests. The canonical request is built here (the
/// SDK's canonicalisation helpers are not public); the signing key derivation and the signature
/// itself come from AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>.
/// </summary>
internal static class SigV4Signer
{
    /// <summary>The x-amz-date format.</summary>
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// Returns the Authorization header value for a request.
    /// </summary>
    /// <param name="method">HTTP method, upper case.</param>
    /// <param name="uri">Request URI; its path and query are canonicalised.</param>
    /// <param name="headers">Headers to sign, names in any case; must hold <c>host</c> and <c>x-amz-date</c>.</param>
    /// <param name="body">The exact request body.</param>
    /// <param name="credentials">Access key, secret and optional session token.</param>
    /// <param name="region">Signing region.</param>
    /// <param name="service">Signing service name (<c>sqs</c>).</param>
    /// <param name="signedAt">The instant in x-amz-date, UTC.</param>
    public static string Authorization(
        string method,
        Uri uri,
        IReadOnlyDictionary<string, string> headers,
        ReadOnlySpan<byte> body,
        ImmutableCredentials credentials,
        string region,
        string service,
        DateTime signedAt)
    {
        var (canonical, signedHeaders) = CanonicalRequest(method, uri, headers, body);
        var result = AWS4Signer.ComputeSignature(credentials, region, signedAt, service, signedHeaders, canonical);
        return result.ForAuthorizationHeader;
    }

    /// <summary>The canonical request and the signed header list (exposed for the signing tests).</summary>
    public static (string Canonical, string SignedHeaders) CanonicalRequest(
        string method, Uri uri, IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        var sorted = headers
            .Select(pair => (Name: pair.Key.ToLowerInvariant(), Value: CollapseSpaces(pair.Value)))
            .OrderBy(pair => pair.Name, StringComparer.Ordinal)
            .ToList();
        var builder = new StringBuilder();
        builder.Append(method).Append('\n');
        builder.Append(CanonicalPath(uri.AbsolutePath)).Append('\n');
        builder.Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (var (name, value) in sorted)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        var signedHeaders = string.Join(';', sorted.Select(pair => pair.Name));
        builder.Append('\n').Append(signedHeaders).Append('\n');
        builder.Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        return (builder.ToString(), signedHeaders);
    }

    /// <summary>Each path segment URI-encoded once, as AWS's SigV4 test suite canonicalises paths
    /// (SQS requests always go to "/").</summary>
    private static string CanonicalPath(string absolutePath) =>
        string.IsNullOrEmpty(absolutePath)
            ? "/"
            : string.Join('/', absolutePath.Split('/').Select(segment => UriEncode(Uri.UnescapeDataString(segment))));

    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }

        return string.Join('&', query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Select(kv => (Key: UriEncode(Uri.UnescapeDataString(kv[0])), Value: UriEncode(Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : string.Empty))))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ThenBy(kv => kv.Value, StringComparer.Ordinal)
            .Select(kv => kv.Key + "=" + kv.Value));
    }

    /// <summary>RFC 3986 encoding of everything but the unreserved characters, as SigV4 asks.</summary>
    private static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        return trimmed.Contains("  ", StringComparison.Ordinal) ? string.Join(' ', trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries)) : trimmed;
    }
}
