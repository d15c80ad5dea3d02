using HeavySync.Engine;
using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.State.Postgres.Queue;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>
/// The cluster's publish path on Postgres alone: a planned run's copy tasks go out through
/// <see cref="TaskPublisher"/> in batched messages, so queue requests per object stay far below one.
/// </summary>
public sealed class PostgresClusterPublishTests(PostgresQueueFixture fixture) : IClassFixture<PostgresQueueFixture>
{
    [Fact]
    public async Task PublishPending_10kSmallObjects_FarFewerMessagesThanObjectsAndEveryTaskOnce()
    {
        const int objects = 10_000;
        await using var store = await PostgresStateStore.OpenAsync(fixture.Url, CancellationToken.None);
        var job = await store.GetOrCreateJobAsync($"s3://{fixture.NewQueueName()}", "gs://dst", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, Enumerable.Range(0, objects).Select(i => Entry($"small/{i:D5}", 1024)).ToList(), null, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Source, CancellationToken.None);
        await store.MarkListingCompleteAsync(run.Id, StoreSide.Destination, CancellationToken.None);
        await store.PlanAsync(run.Id, new HeavySync.Planning.PlanOptions(HeavySync.Planning.CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);
        await using var queue = PostgresWorkQueue.Create(store, new PostgresQueueOptions { QueueName = fixture.NewQueueName() });
        var options = new SyncOptions();

        var published = await new TaskPublisher(store, queue, options).PublishPendingAsync(await store.GetRunAsync(run.Id, CancellationToken.None), CancellationToken.None);

        var messages = await queue.GetApproximateDepthAsync(CancellationToken.None);
        var taskIds = new List<long>();
        while (taskIds.Count < objects)
        {
            var batch = await queue.ReceiveAsync(100, TimeSpan.FromSeconds(2), CancellationToken.None);
            Assert.NotEmpty(batch);
            foreach (var received in batch)
            {
                Assert.InRange(received.Message.Tasks.Count, 1, options.TasksPerMessage);
                taskIds.AddRange(received.Message.Tasks.Select(t => t.TaskId));
                await queue.AckAsync(received, CancellationToken.None);
            }
        }

        Assert.Equal(objects, published);
        Assert.Equal(Math.Ceiling(objects / (double)options.TasksPerMessage), messages);
        Assert.Equal(objects, taskIds.Distinct().Count());
        Assert.True(messages / (double)objects < 0.05, $"{messages} messages for {objects} objects");
    }
}
