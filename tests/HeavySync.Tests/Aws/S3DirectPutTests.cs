using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using HeavySync.Aws.S3;
using HeavySync.Storage;

namespace HeavySync.Tests.Aws;

public sealed class S3DirectPutTests
{
    private const string Secret = "test-secret-test-secret-test-secret-0000";
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("hello, direct put");

    [Fact]
    public async Task PutAsync_PathStyleEndpoint_SendsWhatItSignedWithAValidSigV4()
    {
        var handler = new RecordingHandler(Ok);
        using var put = Create(PathStyle("http://127.0.0.1:9000", "eu-west-3"), "bkt", handler, new BasicAWSCredentials("AKIDTEST", Secret));
        var uri = put.ObjectUri("dir/é x+y.bin")!;

        var (etag, encryption) = await put.PutAsync(uri, Body, MD5.HashData(Body), "application/octet-stream", [KeyValuePair.Create("mtime", "1700000000.5")], default);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("\"5d41402abc4b2a76b9719d911017c592\"", etag);
        Assert.Null(encryption);
        Assert.Equal(HttpMethod.Put, sent.Method);
        Assert.Equal("http://127.0.0.1:9000/bkt/dir/%C3%A9%20x%2By.bin", sent.Uri.AbsoluteUri);
        Assert.Equal(Body, sent.Body);
        Assert.Equal("127.0.0.1:9000", sent.Header("host"));
        Assert.Equal(Convert.ToBase64String(MD5.HashData(Body)), sent.Header("content-md5"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Body)), sent.Header("x-amz-content-sha256"));
        Assert.Equal("application/octet-stream", sent.Header("content-type"));
        Assert.Equal("1700000000.5", sent.Header("x-amz-meta-mtime"));
        Assert.False(sent.ExpectContinue);
        Assert.Equal("content-length;content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-mtime", sent.SignedHeaders);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/", sent.Header("authorization"), StringComparison.Ordinal);
        Assert.Contains("/eu-west-3/s3/aws4_request,", sent.Header("authorization"), StringComparison.Ordinal);
        Assert.Equal(ExpectedSignature(sent, Secret, "eu-west-3"), sent.Signature);
    }

    [Fact]
    public async Task PutAsync_SessionCredentials_SignsTheToken()
    {
        var handler = new RecordingHandler(Ok);
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "bkt", handler, new SessionAWSCredentials("ASIATEST", Secret, "the-token"));

        await put.PutAsync(put.ObjectUri("k")!, Body, MD5.HashData(Body), S3DirectPut.DefaultContentType, [], default);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("the-token", sent.Header("x-amz-security-token"));
        Assert.Equal("content-length;content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token", sent.SignedHeaders);
        Assert.Equal(ExpectedSignature(sent, Secret, "us-east-1"), sent.Signature);
    }

    [Fact]
    public void ObjectUri_AwsRegionalBucket_IsVirtualHosted()
    {
        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1, IgnoreConfiguredEndpointUrls = true };
        using var put = Create(config, "my-bucket", new RecordingHandler(Ok));

        Assert.Equal("https://my-bucket.s3.eu-west-1.amazonaws.com/a/b~c_d-e.f", put.ObjectUri("a/b~c_d-e.f")!.AbsoluteUri);
    }

    [Theory]
    [InlineData("my-bucket--use1-az4--x-s3")]
    [InlineData("arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap")]
    public void TryCreate_BucketNeedingMoreThanSigV4_KeepsTheSdk(string bucket)
    {
        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.USEast1, IgnoreConfiguredEndpointUrls = true };

        Assert.Null(S3DirectPut.TryCreate(config, new BasicAWSCredentials("AKIDTEST", Secret), bucket, new RecordingHandler(Ok)));
    }

    [Fact]
    public void TryCreate_AnonymousCredentials_KeepsTheSdk()
    {
        Assert.Null(S3DirectPut.TryCreate(PathStyle("http://127.0.0.1:9000", "us-east-1"), new AnonymousAWSCredentials(), "bkt", new RecordingHandler(Ok)));
    }

    [Theory]
    [InlineData("a/./b")]
    [InlineData("../up")]
    [InlineData("a/..")]
    [InlineData(".")]
    [InlineData("")]
    public void ObjectUri_KeyNotSendableByteExact_IsNull(string key)
    {
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "bkt", new RecordingHandler(Ok));

        Assert.Null(put.ObjectUri(key));
    }

    [Fact]
    public void ObjectUri_InvalidUtf16_IsNull()
    {
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "bkt", new RecordingHandler(Ok));

        // Built in code: test runners re-encode string arguments and would repair the lone surrogate.
        Assert.Null(put.ObjectUri("lone" + (char)0xD800 + "surrogate"));
    }

    [Theory]
    [InlineData("plain/key.txt", "/b/plain/key.txt")]
    [InlineData("a b", "/b/a%20b")]
    [InlineData("q?x#y&z=1", "/b/q%3Fx%23y%26z%3D1")]
    [InlineData("lit%2Fslash", "/b/lit%252Fslash")]
    [InlineData("back\\slash", "/b/back%5Cslash")]
    [InlineData("dbl//slash/", "/b/dbl//slash/")]
    [InlineData("..dots../.x", "/b/..dots../.x")]
    [InlineData("ctl\u0001\t\r", "/b/ctl%01%09%0D")]
    [InlineData("日本", "/b/%E6%97%A5%E6%9C%AC")]
    public void EncodePath_EncodesEveryByteOutsideTheUnreservedSet(string key, string expected)
    {
        Assert.Equal(expected, S3DirectPut.EncodePath("/b", key));
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "b", new RecordingHandler(Ok));
        Assert.Equal(expected, put.ObjectUri(key)?.AbsolutePath);
    }

    [Theory]
    [InlineData("noext", null, "text/plain")]
    [InlineData("dir.x/noext", null, "text/plain")]
    [InlineData("trailing.", null, "text/plain")]
    [InlineData("photo.JPG", null, "image/jpeg")]
    [InlineData("a.tar.gz", "", "application/x-gzip")]
    [InlineData("a.unknownext", null, "application/octet-stream")]
    [InlineData("a.jpg", "application/x-mine", "application/x-mine")]
    public void ContentTypeFor_NoTypeGiven_InfersLikeTheSdk(string key, string? given, string expected)
    {
        Assert.Equal(expected, S3DirectPut.ContentTypeFor(key, given));
    }

    [Theory]
    [InlineData("text/plain", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData(" leading", false)]
    [InlineData("trailing ", false)]
    [InlineData("two  spaces", false)]
    [InlineData("new\nline", false)]
    [InlineData("ünicode", false)]
    [InlineData("", false)]
    public void IsPlainHeaderValue_OnlyValuesSignedAsSent(string value, bool plain)
    {
        Assert.Equal(plain, S3DirectPut.IsPlainHeaderValue(value));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "<Error><Code>SlowDown</Code><Message>Please reduce</Message></Error>", StoreErrorKind.Throttled, "SlowDown")]
    [InlineData(HttpStatusCode.NotFound, "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><BucketName>bkt</BucketName></Error>", StoreErrorKind.Fatal, "NoSuchBucket")]
    [InlineData(HttpStatusCode.Forbidden, "<Error><Code>AccessDenied</Code></Error>", StoreErrorKind.Permanent, "AccessDenied")]
    [InlineData(HttpStatusCode.Forbidden, "<Error><Code>SignatureDoesNotMatch</Code></Error>", StoreErrorKind.Fatal, "SignatureDoesNotMatch")]
    [InlineData(HttpStatusCode.BadRequest, "<Error><Code>BadDigest</Code></Error>", StoreErrorKind.Transient, "BadDigest")]
    [InlineData(HttpStatusCode.BadGateway, "<html>bad gateway</html>", StoreErrorKind.Transient, "HTTP 502")]
    [InlineData(HttpStatusCode.InternalServerError, "", StoreErrorKind.Transient, "HTTP 500")]
    public async Task PutAsync_ErrorAnswer_MapsAsTheSdkExceptionWould(HttpStatusCode status, string body, StoreErrorKind kind, string label)
    {
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "bkt", new RecordingHandler(_ => Answer(status, body)));

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => put.PutAsync(put.ObjectUri("k")!, Body, MD5.HashData(Body), "text/plain", [], default));
        var mapped = S3ErrorMapper.Map(error, "PUT s3://bkt/k", CancellationToken.None);

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(kind, mapped?.Kind);
        Assert.Equal($"PUT s3://bkt/k: {label}", mapped?.Message);
    }

    [Fact]
    public async Task PutAsync_ThrottledWithRetryAfter_CarriesTheDelay()
    {
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "bkt", new RecordingHandler(_ =>
        {
            var answer = Answer(HttpStatusCode.ServiceUnavailable, "<Error><Code>SlowDown</Code></Error>");
            answer.Headers.TryAddWithoutValidation("Retry-After", "7");
            return answer;
        }));

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => put.PutAsync(put.ObjectUri("k")!, Body, MD5.HashData(Body), "text/plain", [], default));

        Assert.Equal(TimeSpan.FromSeconds(7), S3ErrorMapper.Map(error, "PUT", CancellationToken.None)?.RetryAfter);
    }

    [Fact]
    public async Task PutAsync_EncryptedAnswer_ReportsTheEncryption()
    {
        using var put = Create(PathStyle("http://127.0.0.1:9000", "us-east-1"), "bkt", new RecordingHandler(_ =>
        {
            var answer = Ok(null!);
            answer.Headers.TryAddWithoutValidation("x-amz-server-side-encryption", "aws:kms");
            return answer;
        }));

        var (_, encryption) = await put.PutAsync(put.ObjectUri("k")!, Body, MD5.HashData(Body), "text/plain", [], default);

        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, encryption);
    }

    private static AmazonS3Config PathStyle(string endpoint, string region) =>
        new() { ServiceURL = endpoint, AuthenticationRegion = region, ForcePathStyle = true, IgnoreConfiguredEndpointUrls = true };

    private static S3DirectPut Create(AmazonS3Config config, string bucket, RecordingHandler handler, AWSCredentials? credentials = null) =>
        S3DirectPut.TryCreate(config, credentials ?? new BasicAWSCredentials("AKIDTEST", Secret), bucket, handler)
        ?? throw new InvalidOperationException("the direct path refused a plain bucket");

    private static HttpResponseMessage Ok(HttpRequestMessage request)
    {
        var answer = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        answer.Headers.TryAddWithoutValidation("ETag", "\"5d41402abc4b2a76b9719d911017c592\"");
        return answer;
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/xml") };

    /// <summary>SigV4 computed here from the request as sent (AWS's documented algorithm), independent
    /// of the code under test.</summary>
    private static string ExpectedSignature(SentRequest sent, string secret, string region)
    {
        var amzDate = sent.Header("x-amz-date");
        var day = amzDate[..8];
        var canonical = new StringBuilder()
            .Append(sent.Method.Method).Append('\n')
            .Append(sent.Uri.AbsolutePath).Append('\n')
            .Append('\n');
        foreach (var name in sent.SignedHeaders.Split(';'))
        {
            canonical.Append(name).Append(':').Append(sent.Header(name).Trim()).Append('\n');
        }

        canonical.Append('\n').Append(sent.SignedHeaders).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(sent.Body)));
        var scope = $"{day}/{region}/s3/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { day, region, "s3", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
    }

    private sealed record SentRequest(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers, byte[] Body, bool ExpectContinue)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException(name);

        public string SignedHeaders => Field("SignedHeaders");

        public string Signature => Field("Signature");

        private string Field(string name) =>
            Header("authorization").Split(' ', 2)[1].Split(", ").Select(part => part.Split('=', 2)).Single(kv => kv[0] == name)[1];
    }

    private sealed class RecordingHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<SentRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
            {
                headers[name] = string.Join(',', values);
            }

            headers.TryAdd("host", request.Headers.Host ?? request.RequestUri!.Authority);
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Requests.Add(new SentRequest(request.Method, request.RequestUri!, headers, body, request.Headers.ExpectContinue == true));
            return answer(request);
        }
    }
}
