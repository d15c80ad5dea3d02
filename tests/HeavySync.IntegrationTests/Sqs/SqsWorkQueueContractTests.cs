using HeavySync.Queue;
using HeavySync.Tests.Contracts;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>The <see cref="IWorkQueue"/> contract on <see cref="Aws.Sqs.SqsWorkQueue"/> against the SQS test server.</summary>
public sealed class SqsWorkQueueContractTests : WorkQueueContract
{
    protected override async Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration)
    {
        var server = await SqsServer.GetAsync();
        var url = await SqsServer.CreateQueueAsync(server.Endpoint, SqsServer.UniqueName("contract"));
        return SqsServer.Queue(url, leaseDuration);
    }
}
