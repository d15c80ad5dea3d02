namespace HeavySync.Finalizing;

/// <summary>How a <see cref="DeleteCap"/> limits deletions.</summary>
public enum DeleteCapKind
{
    /// <summary>At most a number of objects. The zero value, so <c>default(DeleteCap)</c> allows no deletion.</summary>
    Count = 0,

    /// <summary>At most a percentage of the destination's objects.</summary>
    Percent = 1,
}
