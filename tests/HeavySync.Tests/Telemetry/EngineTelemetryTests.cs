using System.Collections.Concurrent;
using System.Diagnostics;
using HeavySync.Engine;
using HeavySync.Local;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.State.Sqlite;
using HeavySync.Storage;
using HeavySync.Telemetry;
using HeavySync.Tests.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Tests.Telemetry;

/// <summary>What Core emits through its Meter and ActivitySource during real one-machine runs (local stores, SQLite).</summary>
[Collection(TelemetryCollection.Name)]
public sealed class EngineTelemetryTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hs-telemetry-" + Guid.NewGuid().ToString("N")[..8]);
    private IStateStore _state = null!;

    private string Src => Path.Combine(_root, "src");

    private string Dst => Path.Combine(_root, "dst");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Src);
        Directory.CreateDirectory(Dst);
        _state = await SqliteStateStore.OpenAsync(Path.Combine(_root, "state.db"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _state.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Run_MixedOutcomes_MetricsCountCopiedSkippedFailedAndRetries()
    {
        Write("good.txt", "good!");
        Write("flaky.txt", "flaky");
        Write("bad.txt", "bad");
        Write("gone.txt", "gone");
        await using var source = new FaultyStore(Open(Src));
        source.FailReads("flaky.txt", StoreErrorKind.Transient, times: 2);
        source.FailReads("bad.txt", StoreErrorKind.Permanent);
        source.VanishAfterListing("gone.txt");
        using var metrics = new MetricCollector();

        await RunAsync(source);

        Assert.Equal(2, metrics.Sum("heavysync.copy.objects"));
        Assert.Equal(10, metrics.Sum("heavysync.copy.bytes"));
        Assert.Equal(1, metrics.Sum("heavysync.copy.failed"));
        Assert.Equal(3, metrics.Sum("heavysync.copy.failed.bytes"));
        Assert.Equal(1, metrics.Sum("heavysync.skip.objects", (TelemetryTags.Reason, "vanished")));
        Assert.Equal(4, metrics.Sum("heavysync.skip.bytes", (TelemetryTags.Reason, "vanished")));
        Assert.Equal(0, metrics.Sum("heavysync.skip.objects", (TelemetryTags.Reason, "unchanged")));
        Assert.Equal(2, metrics.Sum("heavysync.retries", (TelemetryTags.Layer, "copy")));
        Assert.Equal(4, metrics.Sum("heavysync.list.objects", (TelemetryTags.Side, "Source")));
        Assert.Equal(17, metrics.Sum("heavysync.list.bytes", (TelemetryTags.Side, "Source")));
        Assert.Equal(0, metrics.Sum("heavysync.copy.in_flight"));
        Assert.Equal(8, metrics.Count("heavysync.copy.in_flight"));
        Assert.Equal(2, metrics.Count("heavysync.copy.duration"));

        using var again = new MetricCollector();
        await RunAsync(Open(Src));

        Assert.Equal(2, again.Sum("heavysync.skip.objects", (TelemetryTags.Reason, "unchanged")));
        Assert.Equal(10, again.Sum("heavysync.skip.bytes", (TelemetryTags.Reason, "unchanged")));
    }

    [Fact]
    public async Task Run_SpansFollowMessagingConventions_ProcessIsChildOfPublishAndLinksReceive()
    {
        for (var i = 0; i < 40; i++)
        {
            Write($"f{i}.txt", new string('x', i));
        }

        using var spans = new SpanCollector();

        await RunAsync(Open(Src), new SyncOptions { TasksPerMessage = 8 });

        var publish = Assert.Single(spans.Named("publish inprocess"));
        var processes = spans.Named("process inprocess");
        var receives = spans.Named("receive inprocess");
        var copies = spans.Named("copy object");
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal(5, processes.Count);
        Assert.All(processes, p =>
        {
            Assert.Equal(ActivityKind.Consumer, p.Kind);
            Assert.Equal(publish.TraceId, p.TraceId);
            Assert.Equal(publish.SpanId, p.ParentSpanId);
            Assert.Contains(receives, r => p.Links.Any(l => l.Context.SpanId == r.SpanId));
            Assert.Equal(8, p.GetTagItem(TelemetryTags.MessagingBatchCount));
        });
        Assert.NotEmpty(receives);
        Assert.All(receives, r => Assert.Equal(ActivityKind.Client, r.Kind));
        Assert.All(processes.Concat(receives).Append(publish), s =>
        {
            // The in-process queue of one-machine mode: HeavySync's own messaging system.
            Assert.Equal(MessagingDestination.InProcess, s.GetTagItem(TelemetryTags.MessagingSystem));
            Assert.Equal("inprocess", s.GetTagItem(TelemetryTags.MessagingDestination));
        });
        Assert.Equal("send", publish.GetTagItem(TelemetryTags.MessagingOperationType));
        Assert.Equal("publish", publish.GetTagItem(TelemetryTags.MessagingOperationName));
        Assert.Equal(40, copies.Count);
        Assert.All(copies, c => Assert.Contains(processes, p => p.SpanId == c.ParentSpanId));
        Assert.Equal(40, spans.All.Count(s => s.OperationName == "verify" && copies.Any(c => c.SpanId == s.ParentSpanId)));
        Assert.NotEmpty(spans.Named("list page"));
        Assert.Single(spans.Named("plan"));
    }

    [Fact]
    public async Task Run_OneTrace_ListPagesPlanPublishAndProcessSpansUnderTheRunSpan()
    {
        for (var i = 0; i < 25; i++)
        {
            Write($"f{i:D2}.txt", new string('y', i + 1));
        }

        using var spans = new SpanCollector();
        var source = new FaultyStore(Open(Src));

        await RunAsync(source, new SyncOptions { TasksPerMessage = 10, ListingBatchSize = 10, ListingBatchInterval = TimeSpan.FromHours(1) });

        var run = Assert.Single(spans.Named("sync run"));
        Assert.Null(run.Parent);
        Assert.Equal(1, run.GetTagItem(TelemetryTags.RunNumber));
        Assert.NotNull(run.GetTagItem(TelemetryTags.Run));
        Assert.NotNull(run.GetTagItem(TelemetryTags.Job));
        var pages = spans.Named("list page");
        var plan = Assert.Single(spans.Named("plan"));
        var publish = Assert.Single(spans.Named("publish inprocess"));
        var processes = spans.Named("process inprocess");

        // 25 source objects in batches of 10: three source pages (10, 10, 5) and one destination page.
        Assert.Equal(3, pages.Count(p => Equals(p.GetTagItem(TelemetryTags.Side), "Source")));
        Assert.Equal(1, pages.Count(p => Equals(p.GetTagItem(TelemetryTags.Side), "Destination")));
        Assert.All(pages.Append(plan).Append(publish), s => Assert.Equal(run.SpanId, s.ParentSpanId));
        Assert.Equal(3, processes.Count);
        Assert.All(spans.All, s => Assert.Equal(run.TraceId, s.TraceId));

        // The store produced every source entry inside a list page span of the source side.
        Assert.Equal(25, source.ListingSpans.Count);
        Assert.All(source.ListingSpans, current =>
        {
            Assert.NotNull(current);
            Assert.Contains(current, pages);
            Assert.Equal("Source", current.GetTagItem(TelemetryTags.Side));
        });
        Assert.Equal(3, source.ListingSpans.Distinct().Count());
    }

    [Fact]
    public async Task Run_DestinationOnlyObjects_DeleteSpanUnderTheRunNamesJobRunAndCounts()
    {
        Write("keep.txt", "keep");
        File.WriteAllText(Path.Combine(Dst, "old-1.txt"), "old");
        File.WriteAllText(Path.Combine(Dst, "old-2.txt"), "old");
        using var spans = new SpanCollector();

        await RunAsync(Open(Src));

        var run = Assert.Single(spans.Named("sync run"));
        var delete = Assert.Single(spans.Named("delete"));
        Assert.Equal(run.SpanId, delete.ParentSpanId);
        Assert.Equal(run.GetTagItem(TelemetryTags.Run), delete.GetTagItem(TelemetryTags.Run));
        Assert.Equal(run.GetTagItem(TelemetryTags.Job), delete.GetTagItem(TelemetryTags.Job));
        Assert.Equal(2, delete.GetTagItem("heavysync.delete.count"));
        Assert.Equal(0, delete.GetTagItem("heavysync.delete.failed"));
        Assert.False(File.Exists(Path.Combine(Dst, "old-1.txt")));
    }

    [Fact]
    public async Task SampledCheck_OneMismatch_CheckSpanCountsSamplesAndMismatches()
    {
        Write("a.txt", "same");
        Write("b.txt", "same");
        Write("c.txt", "source");
        File.WriteAllText(Path.Combine(Dst, "a.txt"), "same");
        File.WriteAllText(Path.Combine(Dst, "b.txt"), "same");
        File.WriteAllText(Path.Combine(Dst, "c.txt"), "differs");
        using var spans = new SpanCollector();
        await using var source = Open(Src);
        await using var destination = Open(Dst);

        var result = await new HeavySync.Checking.SampledCheck(source, destination).RunAsync(10, seed: 1, state: null, concurrency: 2, CancellationToken.None);

        var check = Assert.Single(spans.Named("check"));
        Assert.Equal(3, result.Samples);
        Assert.Equal(3, check.GetTagItem("heavysync.check.samples"));
        Assert.Equal(3L, check.GetTagItem("heavysync.check.population"));
        Assert.Equal(1, check.GetTagItem("heavysync.check.mismatches"));
    }

    [Fact]
    public async Task ListerAndFinalizerRoles_OnePassEach_RunSpansParentTheirWorkAndNameJobAndRun()
    {
        Write("a.txt", "a");
        Write("b.txt", "bb");
        File.WriteAllText(Path.Combine(Dst, "gone.txt"), "gone");
        await using (var src = Open(Src))
        await using (var dst = Open(Dst))
        {
            await _state.GetOrCreateJobAsync(src.Location, dst.Location, CancellationToken.None);
        }

        var job = Assert.Single(await _state.ListJobsAsync(CancellationToken.None));
        using var spans = new SpanCollector();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions());

        await using (var context = new JobContext(job, Open(Src), Open(Dst), new SyncOptions()))
        {
            var listed = await new ListerRole(_state, queue, NullLoggerFactory.Instance).RunAsync(context, new SyncProgress(), CancellationToken.None);
            Assert.Equal(ListerOutcome.Published, listed.Outcome);
        }

        var lister = Assert.Single(spans.Named("lister run"));
        Assert.Null(lister.Parent);
        Assert.Equal(job.Id, lister.GetTagItem(TelemetryTags.Job));
        var runId = Assert.IsType<long>(lister.GetTagItem(TelemetryTags.Run));
        Assert.Equal(nameof(ListerOutcome.Published), lister.GetTagItem(TelemetryTags.Outcome));
        var children = spans.Named("list page").Concat(spans.Named("plan")).Concat(spans.Named("publish inprocess")).ToList();
        Assert.Equal(4, children.Count);
        Assert.All(children, c => Assert.Equal(lister.SpanId, c.ParentSpanId));

        // The copies, done here by hand: every task of the run settles.
        var copies = await _state.GetTasksAsync(runId, TaskAction.Copy, WorkTaskStatus.Pending, 0, 100, CancellationToken.None);
        foreach (var task in copies)
        {
            File.Copy(Path.Combine(Src, task.Key), Path.Combine(Dst, task.Key));
        }

        await _state.CompleteTasksAsync(runId, [.. copies.Select(t => new TaskOutcome(t.Id, WorkTaskStatus.Done, null, null))], CancellationToken.None);
        var passes = await new FinalizerRole(_state, NullLoggerFactory.Instance).RunAsync(
            null, (j, _) => ValueTask.FromResult(new JobContext(j, Open(Src), Open(Dst), new SyncOptions())), new SyncProgress(), CancellationToken.None);

        Assert.NotNull(Assert.Single(passes).Result);
        var finalize = Assert.Single(spans.Named("finalize run"));
        Assert.Null(finalize.Parent);
        Assert.Equal(runId, finalize.GetTagItem(TelemetryTags.Run));
        var delete = Assert.Single(spans.Named("delete"));
        Assert.Equal(finalize.SpanId, delete.ParentSpanId);
        Assert.Equal(runId, delete.GetTagItem(TelemetryTags.Run));
    }

    [Fact]
    public async Task QueueDepthSampler_ListenerAttached_ReportsTheQueueDepth()
    {
        using var metrics = new MetricCollector();
        await using var queue = new InProcessWorkQueue(new InProcessQueueOptions());
        await queue.PublishAsync([Message(1), Message(2), Message(3)], CancellationToken.None);

        await using (var sampler = QueueDepthSampler.Start(queue, "inprocess", TimeSpan.FromMilliseconds(20)))
        {
            var clock = Stopwatch.StartNew();
            while (metrics.Count("heavysync.queue.depth") == 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20);
                metrics.Observe();
            }

            Assert.Equal(3, metrics.Sum("heavysync.queue.depth", (TelemetryTags.Queue, "inprocess")) / metrics.Count("heavysync.queue.depth"));
        }

        var before = metrics.Count("heavysync.queue.depth");
        metrics.Observe();
        Assert.Equal(before, metrics.Count("heavysync.queue.depth"));
    }

    [Fact]
    public void ConcurrencyGovernor_Throttled_CountsEachReduction()
    {
        using var metrics = new MetricCollector();
        var clock = new HeavySync.Tests.Time.ManualTimeProvider();
        var governor = new ConcurrencyGovernor(8, clock);

        governor.OnThrottled();
        governor.OnThrottled();
        clock.Advance(ConcurrencyGovernor.CoolDown);
        governor.OnThrottled();

        Assert.Equal(2, metrics.Sum("heavysync.concurrency.reductions"));
    }

    [Fact]
    public void RequestCounter_ThrottleAndRetry_EmitTaggedEvents()
    {
        using var metrics = new MetricCollector();
        IRequestObserver counter = new RequestCounter();

        counter.OnThrottled("s3://b/p");
        counter.OnRetry("s3://b/p", StoreErrorKind.Throttled);
        counter.OnRetry("s3://b/p", StoreErrorKind.Transient);

        Assert.Equal(1, metrics.Sum("heavysync.store.throttled", (TelemetryTags.Store, "s3://b/p")));
        Assert.Equal(2, metrics.Sum("heavysync.retries", (TelemetryTags.Layer, "request"), (TelemetryTags.Store, "s3://b/p")));
        Assert.Equal(1, metrics.Sum("heavysync.retries", (TelemetryTags.ErrorKind, "Throttled")));
    }

    private async Task RunAsync(IObjectStore source, SyncOptions? options = null)
    {
        await using var destination = Open(Dst);
        var engine = new SyncEngine(_state, NullLoggerFactory.Instance);
        await engine.RunAsync(source, destination, options ?? new SyncOptions(), new SyncProgress(), CancellationToken.None);
    }

    private static WorkMessage Message(int id) =>
        new(1, id, [new WorkTask(id, $"k{id}", id, null, TaskAction.Copy)], null);

    private static LocalFileStore Open(string path) =>
        new(path, new LocalStoreOptions { RootMustExist = true }, NullLogger<LocalFileStore>.Instance);

    private void Write(string name, string content) => File.WriteAllText(Path.Combine(Src, name), content);
}
