using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HeavySync.Queue;

namespace HeavySync.Telemetry;

/// <summary>
/// Feeds <see cref="HeavySyncTelemetry.QueueDepth"/>: samples a queue's depth in the background
/// (a gauge's callback must not wait on a network queue). Starts only when a metrics listener
/// is attached to the gauge; otherwise it does nothing at all. Unknown depths (-1) and failed
/// samples are not reported: depth is advisory, and the queue's own users see its errors.
/// </summary>
public sealed class QueueDepthSampler : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<QueueDepthSampler, byte> Running = new();

    private readonly string _queueName;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _depth = -1;

    private QueueDepthSampler(IWorkQueue queue, string queueName, TimeSpan interval, TimeProvider time)
    {
        _queueName = queueName;
        Running.TryAdd(this, 0);
        _loop = SampleAsync(queue, interval, time, _stop.Token);
    }

    private QueueDepthSampler(string queueName)
    {
        _queueName = queueName;
        _loop = Task.CompletedTask;
    }

    /// <summary>
    /// Samples <paramref name="queue"/> every <paramref name="interval"/> until disposed, reporting
    /// it tagged with <paramref name="queueName"/> (a kind such as "inprocess", never a secret).
    /// </summary>
    public static QueueDepthSampler Start(IWorkQueue queue, string queueName, TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return HeavySyncTelemetry.QueueDepth.Enabled
            ? new QueueDepthSampler(queue, queueName, interval, time ?? TimeProvider.System)
            : new QueueDepthSampler(queueName);
    }

    /// <summary>The gauge's callback: the latest known depth of every running sampler.</summary>
    internal static IEnumerable<Measurement<long>> Observe()
    {
        foreach (var sampler in Running.Keys)
        {
            var depth = Interlocked.Read(ref sampler._depth);
            if (depth >= 0)
            {
                yield return new Measurement<long>(depth, new KeyValuePair<string, object?>(TelemetryTags.Queue, sampler._queueName));
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        Running.TryRemove(this, out _);
        _stop.Dispose();
    }

    private async Task SampleAsync(IWorkQueue queue, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Interlocked.Exchange(ref _depth, await queue.GetApproximateDepthAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Advisory only: keep the last value; the queue's consumers see and handle its failures.
            }

            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
