using System.Text;

namespace HeavySync.Tests.Contracts;

/// <summary>
/// Ordinal comparison of keys' UTF-8 encodings (DESIGN.md invariant 5), and two keys that the UTF-16
/// ordinal order (.NET's <see cref="StringComparer.Ordinal"/>) sorts the other way round: U+FF46
/// "ｆ" is EF BD 86 in UTF-8 but a single UTF-16 unit FF46, while U+1F600 "😀" is F0 9F 98 80 in
/// UTF-8 but the surrogate pair D83D DE00. So in bytes ｆ comes first; in UTF-16 units the emoji does.
/// </summary>
public sealed class Utf8KeyOrder : IComparer<string>
{
    /// <summary>The comparer.</summary>
    public static readonly Utf8KeyOrder Instance = new();

    /// <summary>Sorts before <see cref="Emoji"/> in UTF-8 bytes, after it in UTF-16 units.</summary>
    public const string Fullwidth = "order/ｆ.txt";

    /// <summary>Sorts after <see cref="Fullwidth"/> in UTF-8 bytes, before it in UTF-16 units.</summary>
    public const string Emoji = "order/😀.txt";

    /// <inheritdoc />
    public int Compare(string? x, string? y) =>
        Encoding.UTF8.GetBytes(x ?? string.Empty).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? string.Empty));
}
