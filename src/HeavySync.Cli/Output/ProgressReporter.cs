using System.Diagnostics;
using System.Globalization;
using HeavySync.Engine;

namespace HeavySync.Cli.Output;

/// <summary>
/// Shows a sync's progress on stderr: on a terminal one live line (objects, bytes, rate, ETA)
/// redrawn four times a second; otherwise a plain line every <c>progress_interval</c> seconds
/// (default 10) so logs of long runs show life without flooding.
/// </summary>
internal sealed class ProgressReporter : IAsyncDisposable
{
    private readonly SyncProgress progress;
    private readonly bool live;
    private readonly TimeSpan interval;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long copyStartObjects;
    private long copyStartBytes;
    private TimeSpan copyStart;
    private bool copying;

    public ProgressReporter(SyncProgress progress, bool quiet, TimeSpan plainInterval)
    {
        this.progress = progress;
        live = !Console.IsErrorRedirected;
        interval = live ? TimeSpan.FromMilliseconds(250) : plainInterval;
        loop = quiet ? Task.CompletedTask : Task.Run(RunAsync);
    }

    /// <summary>Time since the sync started.</summary>
    public TimeSpan Elapsed => clock.Elapsed;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        if (live && !loop.IsFaulted)
        {
            await Console.Error.WriteAsync("\r\u001b[2K");
        }

        stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var line = Render();
                await Console.Error.WriteAsync(live ? "\r\u001b[2K" + line : line + Environment.NewLine);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Render()
    {
        var phase = progress.Phase;
        if (phase != "copying")
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{phase}: source {progress.SourceListed:N0} objects, destination {progress.DestinationListed:N0} objects listed ({Format.Duration(clock.Elapsed)})");
        }

        if (!copying)
        {
            copying = true;
            copyStart = clock.Elapsed;
            copyStartObjects = progress.Copied;
            copyStartBytes = progress.CopiedBytes;
        }

        var seconds = Math.Max(0.001, (clock.Elapsed - copyStart).TotalSeconds);
        var objects = progress.Copied + progress.Vanished + progress.Failed;
        var objectRate = (progress.Copied - copyStartObjects) / seconds;
        var byteRate = (progress.CopiedBytes - copyStartBytes) / seconds;
        var remainingObjects = Math.Max(0, progress.PlannedObjects - objects);
        var remainingBytes = Math.Max(0, progress.PlannedBytes - progress.CopiedBytes);
        var eta = EstimateEta(remainingObjects, remainingBytes, objectRate, byteRate);
        var failed = progress.Failed > 0 ? $", {progress.Failed:N0} failed" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"copying: {objects:N0}/{progress.PlannedObjects:N0} objects, {Format.Bytes(progress.CopiedBytes)}/{Format.Bytes(progress.PlannedBytes)}, " +
            $"{objectRate:N0} obj/s, {Format.Bytes(byteRate)}/s, ETA {eta}{failed}");
    }

    private static string EstimateEta(long remainingObjects, long remainingBytes, double objectRate, double byteRate)
    {
        // Whichever of objects or bytes will take longer bounds the estimate.
        var byObjects = objectRate > 0 ? remainingObjects / objectRate : double.PositiveInfinity;
        var byBytes = byteRate > 0 ? remainingBytes / byteRate : remainingBytes == 0 ? 0 : double.PositiveInfinity;
        var seconds = Math.Max(remainingObjects == 0 ? 0 : byObjects, byBytes);
        return double.IsFinite(seconds) ? Format.Duration(TimeSpan.FromSeconds(seconds)) : "--";
    }
}
