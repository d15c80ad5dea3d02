using HeavySync.Engine;
using HeavySync.Planning;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Tests.Contracts;

namespace HeavySync.Tests.Engine;

/// <summary><see cref="OutcomeWriter"/> against a real SQLite state: which outcomes share a
/// transaction, and that a lone one does not wait out the flush interval.</summary>
public sealed class OutcomeWriterTests : IDisposable
{
    private readonly TempDirectory directory = new();

    [Fact]
    public async Task RecordAsync_OutcomesArrivingTogether_ShareOneTransaction()
    {
        await using var sqlite = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, "s.db"), CancellationToken.None);
        var (state, batches) = Counted(sqlite);
        var (runId, tasks) = await PlannedRunAsync(sqlite, 50);

        await using (var writer = new OutcomeWriter(state, flushInterval: TimeSpan.FromSeconds(30), idleGap: TimeSpan.FromSeconds(1)))
        {
            await Task.WhenAll(tasks.Select(t => writer.RecordAsync(runId, Done(t))));
        }

        Assert.Equal([50], batches);
        Assert.Equal(50, (await sqlite.GetCountersAsync(runId, CancellationToken.None)).CopyDone);
    }

    [Fact]
    public async Task RecordAsync_OutcomesOfTwoRunsArrivingTogether_OneTransactionPerRun_EachRunGetsItsOwn()
    {
        // A copier serving two jobs: one batch holds outcomes of both runs, interleaved.
        await using var sqlite = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, "s.db"), CancellationToken.None);
        var (state, batches) = Counted(sqlite);
        var (first, firstTasks) = await PlannedRunAsync(sqlite, 3, "s3://dst/one");
        var (second, secondTasks) = await PlannedRunAsync(sqlite, 2, "s3://dst/two");

        await using (var writer = new OutcomeWriter(state, flushInterval: TimeSpan.FromSeconds(30), idleGap: TimeSpan.FromSeconds(1)))
        {
            await Task.WhenAll(
                writer.RecordAsync(first, Done(firstTasks[0])),
                writer.RecordAsync(second, Done(secondTasks[0])),
                writer.RecordAsync(first, Done(firstTasks[1])),
                writer.RecordAsync(second, Done(secondTasks[1])),
                writer.RecordAsync(first, Done(firstTasks[2])));
        }

        Assert.Equal([3, 2], batches);
        Assert.Equal(3, (await sqlite.GetCountersAsync(first, CancellationToken.None)).CopyDone);
        Assert.Equal(2, (await sqlite.GetCountersAsync(second, CancellationToken.None)).CopyDone);
    }

    [Fact]
    public async Task RecordAsync_OutcomesStillArrivingWithinTheIdleGap_JoinTheSameTransaction()
    {
        await using var sqlite = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, "s.db"), CancellationToken.None);
        var (state, batches) = Counted(sqlite);
        var (runId, tasks) = await PlannedRunAsync(sqlite, 3);

        await using (var writer = new OutcomeWriter(state, flushInterval: TimeSpan.FromSeconds(30), idleGap: TimeSpan.FromSeconds(2)))
        {
            var recorded = new List<Task>();
            foreach (var task in tasks)
            {
                recorded.Add(writer.RecordAsync(runId, Done(task)));
                await Task.Delay(50);
            }

            await Task.WhenAll(recorded);
        }

        Assert.Equal([3], batches);
    }

    [Fact]
    public async Task RecordAsync_LoneOutcome_IsWrittenOnceNoOtherArrives_WithoutWaitingTheFlushInterval()
    {
        await using var sqlite = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, "s.db"), CancellationToken.None);
        var (runId, tasks) = await PlannedRunAsync(sqlite, 1);
        await using var writer = new OutcomeWriter(sqlite, flushInterval: TimeSpan.FromMinutes(5), idleGap: TimeSpan.FromMilliseconds(5));

        // Waiting out the interval would take five minutes; the idle gap ends the wait.
        await writer.RecordAsync(runId, Done(tasks[0])).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, (await sqlite.GetCountersAsync(runId, CancellationToken.None)).CopyDone);
    }

    [Fact]
    public async Task RecordAsync_OutcomeRecordedAlone_IsWrittenAtOnce_WithoutWaitingTheIdleGap()
    {
        await using var sqlite = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, "s.db"), CancellationToken.None);
        var (state, batches) = Counted(sqlite);
        var (runId, tasks) = await PlannedRunAsync(sqlite, 3);
        await using var writer = new OutcomeWriter(state, flushInterval: TimeSpan.FromMinutes(5), idleGap: TimeSpan.FromMinutes(5));

        // Lingering would take five minutes: an outcome known to be alone does not linger.
        await writer.RecordAsync(runId, Done(tasks[0]), alone: true).WaitAsync(TimeSpan.FromSeconds(30));
        var lingering = writer.RecordAsync(runId, Done(tasks[1]));
        await Task.Delay(200);
        Assert.False(lingering.IsCompleted);

        // The last outcome, alone, takes the one still waiting with it.
        await writer.RecordAsync(runId, Done(tasks[2]), alone: true).WaitAsync(TimeSpan.FromSeconds(30));
        await lingering.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([1, 2], batches);
        Assert.Equal(3, (await sqlite.GetCountersAsync(runId, CancellationToken.None)).CopyDone);
    }

    [Fact]
    public async Task DisposeAsync_WritesWhatIsQueued()
    {
        await using var sqlite = await SqliteStateStore.OpenAsync(Path.Combine(directory.Path, "s.db"), CancellationToken.None);
        var (runId, tasks) = await PlannedRunAsync(sqlite, 2);
        Task[] recorded;
        await using (var writer = new OutcomeWriter(sqlite, flushInterval: TimeSpan.FromMinutes(5), idleGap: TimeSpan.FromMinutes(5)))
        {
            recorded = [.. tasks.Select(t => writer.RecordAsync(runId, Done(t)))];
        }

        Assert.All(recorded, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(2, (await sqlite.GetCountersAsync(runId, CancellationToken.None)).CopyDone);
    }

    private static TaskOutcome Done(TaskRecord task) => new(task.Id, WorkTaskStatus.Done, null, null);

    private static async Task<(long RunId, List<TaskRecord> Tasks)> PlannedRunAsync(IStateStore state, int count, string destination = "s3://dst/p")
    {
        var job = await state.GetOrCreateJobAsync("s3://src/p", destination, CancellationToken.None);
        var run = await StateStoreTestKit.ListedRunAsync(state, job, Enumerable.Range(0, count).Select(i => StateStoreTestKit.Entry($"k/{i:D4}", 10)), []);
        await state.PlanAsync(run.Id, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero), CancellationToken.None);
        return (run.Id, await StateStoreTestKit.AllTasksAsync(state, run.Id, TaskAction.Copy, WorkTaskStatus.Pending));
    }

    public void Dispose() => directory.Dispose();

    /// <summary>A real state store that notes the size of each <see cref="IStateStore.CompleteTasksAsync"/>
    /// batch (one transaction each).</summary>
    private static (IStateStore State, List<int> Batches) Counted(IStateStore inner)
    {
        var batches = new List<int>();
        var state = CallWatch.Wrap(inner, (method, args) =>
        {
            if (method.Name == nameof(IStateStore.CompleteTasksAsync))
            {
                lock (batches)
                {
                    batches.Add(((IReadOnlyList<TaskOutcome>)args![1]!).Count);
                }
            }
        });
        return (state, batches);
    }
}
