using System.Globalization;

namespace HeavySync.Finalizing;

/// <summary>
/// The <c>--max-delete</c> limit: the most destination objects one run may delete, as a count
/// (<c>500</c>) or a percentage of the destination's objects (<c>10%</c>, <c>2.5%</c>).
/// </summary>
/// <remarks>
/// <para>
/// The default (<see cref="Default"/>) is 10% of the destination, but never fewer than 100 objects:
/// the limit is max(100, 10% of the destination). The percentage catches a run that would wipe out
/// a large part of a big bucket (a wrong prefix, a half-mounted source); the 100-object allowance
/// keeps ordinary syncs of small trees working, where deleting 5 of 6 files is a normal edit.
/// rclone defaults to no limit; we prefer a refusal the user can override in one flag.
/// </para>
/// <para>
/// An explicit value means exactly what it says: <c>--max-delete 10%</c> has no 100-object
/// allowance, and <c>0</c> or <c>0%</c> allows no deletion. The empty-source rule is separate and
/// applies under every cap: a source listing no objects never deletes anything without
/// <c>--allow-empty-source</c>, and with it the cap still applies.
/// </para>
/// </remarks>
public readonly record struct DeleteCap
{
    private DeleteCap(DeleteCapKind kind, long maxCount, decimal maxPercent, long alwaysAllowedCount)
    {
        Kind = kind;
        MaxCount = maxCount;
        MaxPercent = maxPercent;
        AlwaysAllowedCount = alwaysAllowedCount;
    }

    /// <summary>max(100 objects, 10% of the destination); see the remarks.</summary>
    public static DeleteCap Default { get; } = new(DeleteCapKind.Percent, 0, 10m, 100);

    /// <summary>Whether this cap is a count or a percentage.</summary>
    public DeleteCapKind Kind { get; }

    /// <summary>The most objects to delete, for a <see cref="DeleteCapKind.Count"/> cap.</summary>
    public long MaxCount { get; }

    /// <summary>The most to delete as a percentage (0–100) of the destination, for a <see cref="DeleteCapKind.Percent"/> cap.</summary>
    public decimal MaxPercent { get; }

    /// <summary>Deletions always allowed whatever the percentage says: 100 for the default, else 0.</summary>
    public long AlwaysAllowedCount { get; }

    /// <summary>A cap of at most <paramref name="maxCount"/> objects.</summary>
    public static DeleteCap Count(long maxCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return new(DeleteCapKind.Count, maxCount, 0, 0);
    }

    /// <summary>A cap of at most <paramref name="maxPercent"/>% (0–100) of the destination's objects.</summary>
    public static DeleteCap Percent(decimal maxPercent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPercent, 100m);
        return new(DeleteCapKind.Percent, 0, maxPercent, 0);
    }

    /// <summary>
    /// Parses a <c>--max-delete</c> value: a whole number (a count) or a number followed by <c>%</c>
    /// (a percentage from 0 to 100, decimals allowed).
    /// </summary>
    /// <param name="text">The value as the user typed it.</param>
    /// <param name="cap">The parsed cap; <see cref="Default"/> when parsing fails.</param>
    /// <param name="error">A one-line explanation when parsing fails; null otherwise.</param>
    public static bool TryParse(string? text, out DeleteCap cap, out string? error)
    {
        cap = Default;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = "--max-delete needs a value: a count such as 500 or a percentage such as 10%";
            return false;
        }

        const string expected = "use a whole number such as 500 or a percentage from 0% to 100% such as 10%";
        if (value.EndsWith('%'))
        {
            var number = value[..^1].TrimEnd();
            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent))
            {
                error = $"--max-delete '{text}' is not a percentage: {expected}";
                return false;
            }

            if (percent > 100m)
            {
                error = $"--max-delete '{text}' is over 100%: {expected}";
                return false;
            }

            cap = Percent(percent);
            error = null;
            return true;
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            error = $"--max-delete '{text}' is not a count or a percentage: {expected}";
            return false;
        }

        cap = Count(count);
        error = null;
        return true;
    }

    /// <summary>The most objects this cap lets one run delete from a destination of this size.</summary>
    public long LimitFor(long destinationCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(destinationCount);
        if (Kind == DeleteCapKind.Count)
        {
            return MaxCount;
        }

        // decimal keeps "10% of 6000" exactly 600 where double arithmetic could land on 599.999….
        var share = (long)decimal.Floor(MaxPercent * destinationCount / 100m);
        return Math.Max(AlwaysAllowedCount, share);
    }

    /// <summary>
    /// Decides whether a run may delete <paramref name="deleteCount"/> objects. The empty-source rule
    /// is checked first, then the cap.
    /// </summary>
    /// <param name="deleteCount">Delete candidates of the run.</param>
    /// <param name="destinationCount">Objects the destination listing holds.</param>
    /// <param name="sourceCount">Objects the source listing holds.</param>
    /// <param name="allowEmptySource">Whether <c>--allow-empty-source</c> was given.</param>
    public DeleteDecision Evaluate(long deleteCount, long destinationCount, long sourceCount, bool allowEmptySource)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deleteCount);
        ArgumentOutOfRangeException.ThrowIfNegative(destinationCount);
        ArgumentOutOfRangeException.ThrowIfNegative(sourceCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(deleteCount, destinationCount);
        if (deleteCount == 0)
        {
            return DeleteDecision.Allowed;
        }

        var what = deleteCount == destinationCount
            ? $"all {Number(destinationCount)} destination objects"
            : $"{Number(deleteCount)} of {Number(destinationCount)} destination objects";
        if (sourceCount == 0 && !allowEmptySource)
        {
            return new(DeleteOutcome.RefusedEmptySource, $"source lists no objects; refusing to delete {what} without --allow-empty-source");
        }

        if (deleteCount <= LimitFor(destinationCount))
        {
            return DeleteDecision.Allowed;
        }

        var share = deleteCount * 100m / destinationCount;
        var suggestion = Kind == DeleteCapKind.Count ? Number(deleteCount) : FormatPercent(SuggestPercent(share));
        return new(
            DeleteOutcome.RefusedCap,
            $"refusing to delete {what} ({WholePercent(share)}): over --max-delete {this}; rerun with --max-delete {suggestion} or --no-delete");
    }

    /// <summary>The value as the user would type it: "500" or "10%".</summary>
    public override string ToString() =>
        Kind == DeleteCapKind.Count ? Number(MaxCount) : FormatPercent(MaxPercent);

    /// <summary>A round percentage that allows <paramref name="share"/>: the next 10% from 10% up, else the next whole percent.</summary>
    private static decimal SuggestPercent(decimal share) =>
        share >= 10m ? Math.Min(100m, decimal.Ceiling(share / 10m) * 10m) : decimal.Ceiling(share);

    private static string WholePercent(decimal share) =>
        share is > 0m and < 1m ? "<1%" : FormatPercent(decimal.Floor(share));

    private static string FormatPercent(decimal percent) =>
        percent.ToString("0.##########", CultureInfo.InvariantCulture) + "%";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
