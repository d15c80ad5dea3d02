namespace HeavySync.Storage;

/// <summary>Optional: a store that can delete an object only if it is still the version a listing saw.</summary>
public interface IConditionalDelete
{
    /// <summary>
    /// Deletes <paramref name="key"/> only if it still holds <paramref name="expected"/>. Returns false,
    /// deleting nothing, when the object changed since (re-created or replaced: it is no longer the
    /// one the run decided to delete); a missing object is success (true).
    /// </summary>
    Task<bool> DeleteIfUnchangedAsync(string key, ExpectedDestination expected, CancellationToken cancellationToken);
}
