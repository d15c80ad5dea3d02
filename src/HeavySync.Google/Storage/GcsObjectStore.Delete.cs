using System.Globalization;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <inheritdoc />
    /// <remarks>Deletes the live generation (on a versioned bucket it becomes noncurrent). A missing
    /// object is success.</remarks>
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return DeleteGenerationAsync(key, null, cancellationToken);
    }

    /// <summary>Deletes one object, or one generation of it; missing is success.</summary>
    private async Task DeleteGenerationAsync(string key, long? generation, CancellationToken cancellationToken)
    {
        var uri = ObjectUri(key, generation is { } g ? "generation=" + g.ToString(CultureInfo.InvariantCulture) : string.Empty);
        try
        {
            await SendAsync(
                RequestOperations.Delete,
                Describe("DELETE", key),
                () => Request(HttpMethod.Delete, uri),
                static (_, _) => Task.FromResult(true),
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.NotFound)
        {
            // Already gone: the goal of a delete.
        }
    }
}
