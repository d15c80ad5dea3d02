using HeavySync.Engine;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Tests.Contracts;

namespace HeavySync.Tests.Engine;

/// <summary><see cref="TaskPublisher"/> bounds each message by task count and by bytes (DESIGN.md §5).</summary>
public sealed class TaskPublisherTests : IDisposable
{
    private readonly TempDirectory directory = new();

    [Fact]
    public async Task PublishPendingAsync_BytesPerMessageBound_SplitsByBytesAndAnObjectAboveItTravelsAlone()
    {
        // 10 objects of 400 bytes, one of 5,000, then 10 more of 400: at most 1,000 bytes per message.
        long[] sizes = [.. Enumerable.Repeat(400L, 10), 5_000, .. Enumerable.Repeat(400L, 10)];
        var messages = await PublishAsync(sizes, new SyncOptions { TasksPerMessage = 100, BytesPerMessage = 1_000 });

        Assert.Equal(sizes.Length, messages.Sum(m => m.Tasks.Count));
        Assert.All(messages, m => Assert.True(m.Tasks.Count == 1 || m.Tasks.Sum(t => t.Size) <= 1_000, $"{m.Tasks.Count} tasks of {m.Tasks.Sum(t => t.Size)} bytes"));
        Assert.Single(messages, m => m.Tasks.Count == 1 && m.Tasks[0].Size == 5_000);
        Assert.Equal(11, messages.Count); // 5 × (400 + 400), the big one, 5 × (400 + 400)
        Assert.Equal(sizes.Length, messages.SelectMany(m => m.Tasks).Select(t => t.TaskId).Distinct().Count());
    }

    [Fact]
    public async Task PublishPendingAsync_TaskCountBoundFirst_SplitsByCountWhenBytesAllow()
    {
        var sizes = Enumerable.Repeat(10L, 250).ToArray();
        var messages = await PublishAsync(sizes, new SyncOptions { TasksPerMessage = 100, BytesPerMessage = 1_000_000 });

        Assert.Equal([100, 100, 50], messages.Select(m => m.Tasks.Count));
    }

    private async Task<List<WorkMessage>> PublishAsync(long[] sizes, SyncOptions options)
    {
        await using var state = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, $"{Guid.NewGuid():N}.db"), CancellationToken.None);
        var job = await state.GetOrCreateJobAsync("s3://src/p", "s3://dst/p", CancellationToken.None);
        var run = await StateStoreTestKit.ListedRunAsync(state, job, sizes.Select((size, i) => StateStoreTestKit.Entry($"k/{i:D4}", size)), []);
        await state.PlanAsync(run.Id, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);
        run = await state.GetRunAsync(run.Id, CancellationToken.None);
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions { Capacity = 1_000 });

        var published = await new TaskPublisher(state, queue, options).PublishPendingAsync(run, CancellationToken.None);

        Assert.Equal(sizes.Length, published);
        var messages = new List<WorkMessage>();
        while ((await queue.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)) is { Count: > 0 } batch)
        {
            messages.AddRange(batch.Select(r => r.Message));
        }

        return messages;
    }

    public void Dispose() => directory.Dispose();
}
