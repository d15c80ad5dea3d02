using HeavySync.Aws.Sqs;
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

    /// <summary>A RedrivePolicy to a dead-letter queue after <paramref name="maxDeliveries"/> receives.</summary>
    protected override async Task<IWorkQueue?> CreateDeadLetteringQueueAsync(TimeSpan leaseDuration, int maxDeliveries)
    {
        var server = await SqsServer.GetAsync();
        using var client = SqsServer.Client(server.Endpoint);
        var dead = await client.CreateQueueAsync(SqsServer.UniqueName("contract-dlq"), null, CancellationToken.None);
        var attributes = await client.GetQueueAttributesAsync(dead, ["QueueArn"], CancellationToken.None);
        var url = await client.CreateQueueAsync(
            SqsServer.UniqueName("contract"),
            new Dictionary<string, string> { ["RedrivePolicy"] = SqsClient.RedrivePolicy(attributes["QueueArn"], maxDeliveries) },
            CancellationToken.None);
        return SqsServer.Queue(url, leaseDuration);
    }
}
