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
        return DeleteGenerationAsync(key, "", cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks><c>ifGenerationMatch</c> with the listed generation; a refused precondition (412)
    /// means the key now holds another object, left in place (false), unless the key is simply gone.</remarks>
    public async Task<bool> DeleteIfUnchangedAsync(string key, ExpectedDestination expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(expected);
        try
        {
            await DeleteGenerationAsync(key, GenerationMatch(expected).TrimStart('&'), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            return await StatAsync(key, cancellationToken).ConfigureAwait(false) is null;
        }
    }

    /// <summary>Deletes one object (or the generation / precondition <paramref name="query"/> names); missing is success.</summary>
    private async Task DeleteGenerationAsync(string key, string query, CancellationToken cancellationToken)
    {
        var uri = ObjectUri(key, query);
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

    /// <summary>The query naming one generation.</summary>
    private static string GenerationQuery(long generation) => "generation=" + generation.ToString(CultureInfo.InvariantCulture);
}
