namespace HeavySync.State.Postgres;

/// <summary>Where a state database's schema stands against this build.</summary>
/// <param name="Current">The database's schema version; 0 when it has none yet.</param>
/// <param name="Latest">The newest version this build knows.</param>
public sealed record SchemaStatus(int Current, int Latest)
{
    /// <summary>The database is older: <c>heavysync db migrate</c> (or any role starting) would upgrade it.</summary>
    public bool NeedsMigration => Current < Latest;

    /// <summary>The database is newer than this build understands: upgrade heavysync.</summary>
    public bool IsTooNew => Current > Latest;
}
