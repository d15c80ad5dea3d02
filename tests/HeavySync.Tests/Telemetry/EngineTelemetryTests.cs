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

        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == HeavySyncTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await RunAsync(Open(Src), new SyncOptions { TasksPerMessage = 8 });

        var publish = Assert.Single(spans, s => s.OperationName == "publish");
        var processes = spans.Where(s => s.OperationName == "process").ToList();
        var receives = spans.Where(s => s.OperationName == "receive").ToList();
        var copies = spans.Where(s => s.OperationName == "copy object").ToList();
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
        Assert.All(receives, r => Assert.Equal(ActivityKind.Client, r.Kind));
        Assert.Equal(40, copies.Count);
        Assert.All(copies, c => Assert.Contains(processes, p => p.SpanId == c.ParentSpanId));
        Assert.Equal(40, spans.Count(s => s.OperationName == "verify" && copies.Any(c => c.SpanId == s.ParentSpanId)));
        Assert.Contains(spans, s => s.OperationName == "list page");
        Assert.Single(spans, s => s.OperationName == "plan");
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
