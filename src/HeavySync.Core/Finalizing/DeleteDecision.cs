namespace HeavySync.Finalizing;

/// <summary>The verdict of <see cref="DeleteCap.Evaluate"/>: an outcome and, when refused, why.</summary>
/// <param name="Outcome">Allowed or the rule that refused.</param>
/// <param name="Reason">One line for the user naming the numbers and the flag that would change it; null when allowed.</param>
public sealed record DeleteDecision(DeleteOutcome Outcome, string? Reason)
{
    /// <summary>The deletions may go ahead.</summary>
    public static DeleteDecision Allowed { get; } = new(DeleteOutcome.Allowed, null);

    /// <summary>Whether the deletions may go ahead.</summary>
    public bool IsAllowed => Outcome == DeleteOutcome.Allowed;
}
