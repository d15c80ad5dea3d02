using System.Net;
using HeavySync.Aws.S3;

namespace HeavySync.Tests.Aws;

public sealed class S3HttpClientFactoryTests
{
    [Theory]
    [InlineData(4096L, false)]
    [InlineData(S3HttpClientFactory.NoContinueMaxBytes, false)]
    [InlineData(S3HttpClientFactory.NoContinueMaxBytes + 1, true)]
    public async Task SmallBodyNoContinueHandler_DropsExpectOnlyForSmallBodies(long length, bool expectKept)
    {
        var seen = new RecordingHandler();
        using var client = new HttpClient(new S3HttpClientFactory.SmallBodyNoContinueHandler(seen));
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:9/bucket/key")
        {
            Content = new ByteArrayContent([]) { Headers = { ContentLength = length } },
        };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(expectKept, seen.ExpectContinue == true);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public bool? ExpectContinue { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            ExpectContinue = request.Headers.ExpectContinue;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
