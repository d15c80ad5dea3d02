namespace HeavySync.Cli.Hosting;

internal sealed partial class HealthServer
{
    private readonly Readiness readiness;

    /// <summary>Runs the checks at most once per <see cref="CacheFor"/>; concurrent probes share one run.</summary>
    private sealed class Readiness(IReadOnlyList<HealthCheck> checks, CancellationToken stopping, TimeProvider time)
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private (int Status, string Body)? cached;
        private DateTimeOffset cachedAt;

        public async Task<(int Status, string Body)> ReportAsync(CancellationToken cancellationToken)
        {
            if (stopping.IsCancellationRequested)
            {
                return (503, "stopping: finishing work in flight, taking no new work");
            }

            await gate.WaitAsync(cancellationToken);
            try
            {
                if (cached is { } fresh && time.GetUtcNow() - cachedAt < CacheFor)
                {
                    return fresh;
                }

                var results = await Task.WhenAll(checks.Select(c => RunAsync(c, cancellationToken)));
                var report = (results.All(r => r.Ok) ? 200 : 503, string.Join("\n", results.Select(r => r.Line)));
                cached = report;
                cachedAt = time.GetUtcNow();
                return report;
            }
            finally
            {
                gate.Release();
            }
        }

        private static async Task<(bool Ok, string Line)> RunAsync(HealthCheck check, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CheckTimeout);
            try
            {
                // WaitAsync bounds probes that ignore cancellation while a retry delay runs.
                await check.Probe(timeout.Token).WaitAsync(timeout.Token);
                return (true, $"{check.Name}: ok");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (false, $"{check.Name}: no answer within {CheckTimeout.TotalSeconds:0} s");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store's one-line message (no secrets: stores never put credentials in messages).
                return (false, $"{check.Name}: unreachable ({ex.Message.ReplaceLineEndings(" ")})");
            }
        }
    }
}
