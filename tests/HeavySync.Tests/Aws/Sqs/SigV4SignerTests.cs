using System.Text;
using Amazon.Runtime;
using HeavySync.Aws.Sqs;

namespace HeavySync.Tests.Aws.Sqs;

/// <summary><see cref="SigV4Signer"/> against AWS's published Signature Version 4 test suite
/// (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service").</summary>
public sealed class SigV4SignerTests
{
    private static readonly ImmutableCredentials Example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTime At = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    [Fact]
    public void Authorization_GetVanilla_MatchesAwsTestSuite()
    {
        var authorization = Sign("GET", "https://example.amazonaws.com/", [], string.Empty);

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            authorization);
    }

    [Fact]
    public void Authorization_QueryOutOfOrder_SortedAsAwsTestSuite()
    {
        var authorization = Sign("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", [], string.Empty);

        Assert.EndsWith("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorization_PostFormBody_CanonicalRequestAndSignatureMatchAwsTestSuite()
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" };

        var (canonical, signed) = SigV4Signer.CanonicalRequest("POST", new Uri("https://example.amazonaws.com/"), WithBase(headers), Encoding.UTF8.GetBytes("Param1=value1"));
        var authorization = Sign("POST", "https://example.amazonaws.com/", headers, "Param1=value1");

        Assert.Equal(
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            canonical);
        Assert.Equal("content-type;host;x-amz-date", signed);
        Assert.EndsWith("Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorization_DifferentBody_DifferentSignature()
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" };

        Assert.NotEqual(Sign("POST", "https://example.amazonaws.com/", headers, "Param1=value1"), Sign("POST", "https://example.amazonaws.com/", headers, "Param1=value2"));
    }

    private static string Sign(string method, string url, Dictionary<string, string> headers, string body) =>
        SigV4Signer.Authorization(method, new Uri(url), WithBase(headers), Encoding.UTF8.GetBytes(body), Example, "us-east-1", "service", At);

    private static Dictionary<string, string> WithBase(Dictionary<string, string> headers) =>
        new(headers) { ["Host"] = "example.amazonaws.com", ["X-Amz-Date"] = "20150830T123600Z" };
}
