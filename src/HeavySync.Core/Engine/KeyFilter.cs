using System.Text;
using System.Text.RegularExpressions;

namespace HeavySync.Engine;

/// <summary>
/// --include / --exclude globs, applied to both listings so excluded keys are neither copied nor
/// deleted. Glob syntax (as rclone): <c>*</c> any run within one path segment, <c>**</c> any run
/// across segments, <c>?</c> one character, <c>[abc]</c> a class, <c>{a,b}</c> alternatives.
/// A pattern starting with '/' is anchored at the root; otherwise it matches the end of the key
/// ("*.tmp" matches "a/b/c.tmp"). A key passes when it matches no exclude and, if any include is
/// given, at least one include.
/// </summary>
public sealed class KeyFilter
{
    private readonly Regex[] includes;
    private readonly Regex[] excludes;

    public KeyFilter(IEnumerable<string> includes, IEnumerable<string> excludes)
    {
        this.includes = includes.Select(Compile).ToArray();
        this.excludes = excludes.Select(Compile).ToArray();
    }

    /// <summary>A filter that passes everything.</summary>
    public static KeyFilter All { get; } = new([], []);

    /// <summary>True when no pattern is set.</summary>
    public bool IsEmpty => includes.Length == 0 && excludes.Length == 0;

    /// <summary>True when the key takes part in the sync.</summary>
    public bool Matches(string key)
    {
        foreach (var exclude in excludes)
        {
            if (exclude.IsMatch(key))
            {
                return false;
            }
        }

        if (includes.Length == 0)
        {
            return true;
        }

        foreach (var include in includes)
        {
            if (include.IsMatch(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Compiles one glob; throws <see cref="FormatException"/> with a one-line cause when malformed.</summary>
    public static Regex Compile(string glob)
    {
        ArgumentNullException.ThrowIfNull(glob);
        if (glob.Length == 0)
        {
            throw new FormatException("empty filter pattern");
        }

        var anchored = glob.StartsWith('/');
        var body = anchored ? glob[1..] : glob;
        var sb = new StringBuilder(anchored ? "^" : "(?:^|/)");
        var inAlternatives = false;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            switch (c)
            {
                case '*' when i + 1 < body.Length && body[i + 1] == '*':
                    sb.Append(".*");
                    i++;
                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    var end = body.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        throw new FormatException($"unclosed '[' in filter pattern '{glob}'");
                    }

                    var cls = body[(i + 1)..end];
                    sb.Append('[').Append(cls.StartsWith('!') ? "^" + Regex.Escape(cls[1..]) : Regex.Escape(cls)).Append(']');
                    i = end;
                    break;
                case '{':
                    if (inAlternatives)
                    {
                        throw new FormatException($"nested '{{' in filter pattern '{glob}'");
                    }

                    inAlternatives = true;
                    sb.Append("(?:");
                    break;
                case '}' when inAlternatives:
                    inAlternatives = false;
                    sb.Append(')');
                    break;
                case ',' when inAlternatives:
                    sb.Append('|');
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        if (inAlternatives)
        {
            throw new FormatException($"unclosed '{{' in filter pattern '{glob}'");
        }

        // A pattern naming a directory ("logs/") covers everything below it.
        sb.Append(body.EndsWith('/') ? ".*$" : "$");
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }
}
