using System.Collections.Concurrent;
using HeavySync.Queue;
using HeavySync.State;
using Xunit.Abstractions;

namespace HeavySync.IntegrationTests.PubSub;

/// <summary>Queue requests per copied object stay far below one (issue 5): batches of tasks per message, messages per request.</summary>
public sealed class PubSubRequestCostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PubSubTestQueues _queues = null!;

    public async Task InitializeAsync() => _queues = await PubSubTestQueues.CreateAsync();

    public async Task DisposeAsync() => await _queues.DisposeAsync();

    [Fact]
    public async Task CopierLikeConsumers_3200TasksIn32TaskMessages_FarBelowOneRequestPerTask()
    {
        const int tasksPerMessage = 32;
        const int messages = 100;
        var (location, _) = await _queues.CreateSubscriptionAsync();
        var publisher = await _queues.OpenAsync(location, TimeSpan.FromSeconds(60));
        var consumers = new List<IWorkQueue>();
        for (var i = 0; i < 4; i++)
        {
            consumers.Add(await _queues.OpenAsync(location, TimeSpan.FromSeconds(60)));
        }

        var before = new Dictionary<string, int>(_queues.Monitor.RequestsByMethod);
        await publisher.PublishAsync([.. Enumerable.Range(0, messages).Select(Batch)], CancellationToken.None);
        var done = new ConcurrentDictionary<long, byte>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // As the copier does: one message per receive, a 200 ms wait, ack when done.
        await Task.WhenAll(consumers.Select(queue => Task.Run(async () =>
        {
            while (done.Count < messages * tasksPerMessage && !stop.IsCancellationRequested)
            {
                foreach (var received in await queue.ReceiveAsync(1, TimeSpan.FromMilliseconds(200), stop.Token))
                {
                    foreach (var task in received.Message.Tasks)
                    {
                        done.TryAdd(task.TaskId, 0);
                    }

                    await queue.AckAsync(received, stop.Token);
                }
            }
        })));

        var used = _queues.Monitor.RequestsByMethod.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
        var total = used.Where(kv => kv.Key is "publish" or "pull" or "modifyAckDeadline" or "acknowledge").Sum(kv => kv.Value);
        var perTask = (double)total / (messages * tasksPerMessage);
        output.WriteLine($"{total} queue requests for {messages * tasksPerMessage} tasks = {perTask:F3} per task ({string.Join(", ", used.Select(kv => $"{kv.Key} {kv.Value}"))})");

        Assert.Equal(messages * tasksPerMessage, done.Count);
        Assert.Equal(1, used["publish"]);
        Assert.Equal(messages, used["acknowledge"]);
        Assert.True(perTask < 0.15, $"{perTask:F3} queue requests per task");

        WorkMessage Batch(int m) => new(1, 1, [.. Enumerable.Range(0, tasksPerMessage).Select(t =>
            new WorkTask(m * tasksPerMessage + t, $"photos/2024/{m:D4}/{t:D4}.jpg", 250_000, $"250000:\"{Guid.NewGuid():N}\"", TaskAction.Copy))],
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }
}
