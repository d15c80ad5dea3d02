using System.Globalization;
using System.Runtime.CompilerServices;
using HeavySync.Storage;

namespace HeavySync.Cli.Hosting;

/// <summary>
/// Test hook for crash tests, off unless <c>HEAVYSYNC_TEST_DELAY</c> is set (e.g.
/// <c>list=2,write=20,delete=20</c>, milliseconds per listed entry / write / delete; <c>list_source</c>
/// and <c>list_destination</c> set one side's listing delay): slows a
/// store down so a test can kill the process reliably inside a chosen phase. It changes timing only,
/// never behaviour, and forwards the optional powers the engine looks for.
/// </summary>
internal sealed class DelayInjectingStore(IObjectStore inner, TimeSpan list, TimeSpan write, TimeSpan delete) : IObjectStore, IBatchDelete, IConditionalDelete, IRunMaintenance
{
    public const string Variable = "HEAVYSYNC_TEST_DELAY";

    public string Location => inner.Location;

    public StoreCapabilities Capabilities => inner.Capabilities;

    public int MaxBatchSize => (inner as IBatchDelete)?.MaxBatchSize ?? 100;

    /// <summary>Wraps <paramref name="store"/> (the <paramref name="side"/> of a job) when the variable is set.</summary>
    public static IObjectStore WrapIfRequested(IObjectStore store, StoreSide side)
    {
        var spec = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(spec))
        {
            return store;
        }

        var delays = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => TimeSpan.FromMilliseconds(double.Parse(kv[1], CultureInfo.InvariantCulture)), StringComparer.OrdinalIgnoreCase);
        var sideList = side == StoreSide.Source ? "list_source" : "list_destination";
        return new DelayInjectingStore(
            store,
            delays.TryGetValue(sideList, out var own) ? own : delays.GetValueOrDefault("list"),
            delays.GetValueOrDefault("write"),
            delays.GetValueOrDefault("delete"));
    }

    public async IAsyncEnumerable<ObjectEntry> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in inner.ListAsync(startAfter, cancellationToken))
        {
            await PauseAsync(list, cancellationToken);
            yield return entry;
        }
    }

    public Task<ObjectEntry?> StatAsync(string key, CancellationToken cancellationToken) => inner.StatAsync(key, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(key, offset, length, cancellationToken);

    public Task<ObjectRead?> OpenCurrentAsync(string key, ReadPattern pattern, CancellationToken cancellationToken) => inner.OpenCurrentAsync(key, pattern, cancellationToken);

    public async Task<ObjectEntry> WriteAsync(WriteRequest request, Stream content, CancellationToken cancellationToken)
    {
        await PauseAsync(write, cancellationToken);
        return await inner.WriteAsync(request, content, cancellationToken);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await PauseAsync(delete, cancellationToken);
        await inner.DeleteAsync(key, cancellationToken);
    }

    public async Task<bool> DeleteIfUnchangedAsync(string key, ExpectedDestination expected, CancellationToken cancellationToken)
    {
        await PauseAsync(delete, cancellationToken);
        if (inner is IConditionalDelete conditional)
        {
            return await conditional.DeleteIfUnchangedAsync(key, expected, cancellationToken);
        }

        await inner.DeleteAsync(key, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<(string Key, StoreException Error)>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var errors = new List<(string, StoreException)>();
        foreach (var key in keys)
        {
            try
            {
                await DeleteAsync(key, cancellationToken);
            }
            catch (StoreException ex) when (ex.Kind != StoreErrorKind.Fatal)
            {
                errors.Add((key, ex));
            }
        }

        return errors;
    }

    public Task PrepareDestinationAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken) =>
        inner is IRunMaintenance m ? m.PrepareDestinationAsync(policy, cancellationToken) : Task.CompletedTask;

    public Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) =>
        inner is IRunMaintenance m ? m.PruneNoncurrentVersionsAsync(olderThan, cancellationToken) : Task.FromResult(0L);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static Task PauseAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
}
