namespace HeavySync.Finalizing;

/// <summary>Whether the finalizer may carry out a run's deletions.</summary>
public enum DeleteOutcome
{
    /// <summary>The deletions are within the cap.</summary>
    Allowed,

    /// <summary>The deletions exceed <c>--max-delete</c>.</summary>
    RefusedCap,

    /// <summary>The source listed nothing, and emptying the destination was not explicitly allowed.</summary>
    RefusedEmptySource,
}
