using System.Globalization;
using HeavySync.Engine;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.SqsTestServer;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Tests;
using HeavySync.Tests.Contracts;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.Sqs;

/// <summary>
/// The cost of the queue in requests (DESIGN.md §5): the lister's <see cref="TaskPublisher"/> batches
/// tasks into messages, <see cref="Aws.Sqs.SqsWorkQueue"/> packs 10 messages per send and shares
/// deletes, so SQS requests per copied object stay far below one. Requests are counted at the server.
/// </summary>
public sealed class SqsRequestCostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Objects = 10_000;
    private SqsTestServerHost _server = null!;
    private readonly TempDirectory _directory = new();

    public async Task InitializeAsync() => _server = await SqsServer.StartPrivateAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public async Task PublishAndConsume_10000Objects_FarBelowOneRequestPerObject(int messagesPerReceive)
    {
        await using var state = await SqliteStateStore.OpenAsync(Path.Combine(_directory.Path, $"state-{messagesPerReceive}.db"), CancellationToken.None);
        var job = await state.GetOrCreateJobAsync("s3://src/cost", "s3://dst/cost", CancellationToken.None);
        var run = await StateStoreTestKit.ListedRunAsync(state, job, Enumerable.Range(0, Objects).Select(i => StateStoreTestKit.Entry($"k/{i:D6}", 4096)), []);
        await state.PlanAsync(run.Id, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);
        var url = await SqsServer.CreateQueueAsync(_server.Url, SqsServer.UniqueName("cost"));
        await using var queue = SqsServer.Queue(url, TimeSpan.FromSeconds(60));

        var published = await new TaskPublisher(state, queue, new SyncOptions()).PublishPendingAsync(run, CancellationToken.None);
        var tasks = await ConsumeAsync(queue, messagesPerReceive, consumers: 4);

        Assert.Equal(Objects, published);
        Assert.Equal(Objects, tasks);
        var counts = _server.RequestCounts.ToDictionary(p => p.Key, p => p.Value);
        var total = counts.Values.Sum();
        var perObject = (double)total / Objects;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Objects} objects, {messagesPerReceive} message(s) per receive, 4 consumers: {total} SQS requests = {perObject:F4} per object ({string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))})"));
        Assert.True(perObject < 0.1, $"{perObject:F4} SQS requests per object");
        Assert.True(counts["SendMessageBatch"] <= (Objects / new SyncOptions().TasksPerMessage / 10) + 6, $"{counts["SendMessageBatch"]} sends");
    }

    private static async Task<long> ConsumeAsync(IWorkQueue queue, int messagesPerReceive, int consumers)
    {
        long tasks = 0;
        var idle = 0;
        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref tasks) < Objects && Volatile.Read(ref idle) < 20)
            {
                var batch = await queue.ReceiveAsync(messagesPerReceive, TimeSpan.FromSeconds(1), CancellationToken.None);
                if (batch.Count == 0)
                {
                    Interlocked.Increment(ref idle);
                }

                foreach (var received in batch)
                {
                    Interlocked.Add(ref tasks, received.Message.Tasks.Count);
                    await queue.AckAsync(received, CancellationToken.None);
                }
            }
        })));
        return tasks;
    }
}
