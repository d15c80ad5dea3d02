using System.Text;
using HeavySync.Storage;

namespace HeavySync.Local;

/// <summary>
/// Decides whether an object key may become a path below a local root (DESIGN.md §3 invariant 5:
/// keys are data, not paths). A key is refused when it could escape the root, name the root itself
/// or a directory, or be read differently by the operating system than by the stores.
/// </summary>
public static class KeySafety
{
    /// <summary>Checks <paramref name="key"/>; on refusal <paramref name="reason"/> says why in a few words.</summary>
    /// <returns>True when the key is safe to use as a relative path.</returns>
    public static bool TryValidate(string key, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(key);
        reason = FindProblem(key);
        return reason is null;
    }

    /// <summary>
    /// Throws a <see cref="StoreException"/> of kind <see cref="StoreErrorKind.Permanent"/> with a
    /// one-line message such as <c>unsafe key '../x': parent directory segment</c> when the key is unsafe.
    /// </summary>
    public static void Validate(string key)
    {
        if (!TryValidate(key, out var reason))
        {
            throw Unsafe(key, reason!);
        }
    }

    /// <summary>
    /// Validates <paramref name="key"/> and returns the full path it names below <paramref name="root"/>,
    /// double-checking with <see cref="Path.GetFullPath(string)"/> that the result stays inside the root.
    /// Throws <see cref="StoreException"/> (<see cref="StoreErrorKind.Permanent"/>) otherwise.
    /// </summary>
    public static string ResolveUnder(string root, string key)
    {
        ArgumentNullException.ThrowIfNull(root);
        Validate(key);
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var full = Path.GetFullPath(Path.Join(fullRoot, key));

        // The checks above should make this impossible; the second opinion of the OS path parser is
        // what stands between a crafted key and a file outside the destination.
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var inside = full.Length > fullRoot.Length
            && full.StartsWith(fullRoot, comparison)
            && (Path.EndsInDirectorySeparator(fullRoot) || IsSeparator(full[fullRoot.Length]));
        if (!inside)
        {
            throw Unsafe(key, "resolves outside the root");
        }

        return full;
    }

    private static string? FindProblem(string key)
    {
        if (key.Length == 0)
        {
            return "empty key";
        }

        if (key.Contains('\0', StringComparison.Ordinal))
        {
            return "NUL character";
        }

        if (key[0] == '/')
        {
            return "absolute path";
        }

        if (key[0] == '\\')
        {
            return "leading backslash";
        }

        if (key[^1] == '/')
        {
            return "trailing '/' (directory marker)";
        }

        var firstSegmentEnd = key.IndexOf('/', StringComparison.Ordinal);
        var first = firstSegmentEnd < 0 ? key : key[..firstSegmentEnd];
        if (first.Length >= 2 && char.IsAsciiLetter(first[0]) && first[1] == ':')
        {
            return "drive letter";
        }

        // On Windows a backslash separates directories too, so "a\..\..\x" would climb.
        var separators = OperatingSystem.IsWindows() ? ['/', '\\'] : new[] { '/' };
        foreach (var segment in key.Split(separators))
        {
            switch (segment)
            {
                case "":
                    return "empty path segment";
                case ".":
                    return "current directory segment";
                case "..":
                    return "parent directory segment";
            }
        }

        return null;
    }

    private static bool IsSeparator(char c) => c == Path.DirectorySeparatorChar || c == Path.AltDirectorySeparatorChar;

    private static StoreException Unsafe(string key, string reason) =>
        new(StoreErrorKind.Permanent, $"unsafe key '{Printable(key)}': {reason}");

    /// <summary>Keeps the message on one line: control characters (NUL, newlines) are shown escaped.</summary>
    private static string Printable(string key)
    {
        if (!key.Any(char.IsControl))
        {
            return key;
        }

        var builder = new StringBuilder(key.Length + 8);
        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
