using HeavySync.Aws.Sqs;

namespace HeavySync.Tests.Aws.Sqs;

/// <summary><see cref="SqsQueueAddress"/>: endpoint and region from a queue URL and the settings.
/// The environment variables are cleared by giving explicit values where the case needs them.</summary>
public sealed class SqsQueueAddressTests
{
    [Fact]
    public void Parse_AwsQueueUrl_RegionFromHostEndpointFromUrl()
    {
        var address = SqsQueueAddress.Parse("https://sqs.eu-west-3.amazonaws.com/123456789012/copy-tasks", new SqsQueueOptions { Endpoint = null });

        Assert.Equal("eu-west-3", address.Region);
        Assert.Equal("copy-tasks", address.QueueName);
        if (Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_SQS") is null && Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL") is null)
        {
            Assert.Equal(new Uri("https://sqs.eu-west-3.amazonaws.com/"), address.Endpoint);
        }
    }

    [Fact]
    public void Parse_LegacyQueueHost_RegionFromHost()
    {
        Assert.Equal("ap-south-1", SqsQueueAddress.Parse("https://ap-south-1.queue.amazonaws.com/123456789012/q").Region);
    }

    [Fact]
    public void Parse_ExplicitEndpointAndRegion_WinOverTheUrl()
    {
        var address = SqsQueueAddress.Parse(
            "https://sqs.eu-west-3.amazonaws.com/123456789012/q",
            new SqsQueueOptions { Endpoint = "http://127.0.0.1:4566", Region = "us-west-2" });

        Assert.Equal(new Uri("http://127.0.0.1:4566/"), address.Endpoint);
        Assert.Equal("us-west-2", address.Region);
    }

    [Theory]
    [InlineData("sqs://queue")]
    [InlineData("not a url")]
    [InlineData("https://sqs.us-east-1.amazonaws.com/")]
    public void Parse_NotAQueueUrl_OneLineArgumentError(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => SqsQueueAddress.Parse(url));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("SQS", error.Message, StringComparison.Ordinal);
    }
}
