using System.Text.RegularExpressions;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// What can be read from the chart's templates without Helm: the <c>.Values</c> paths they use
/// (directly, or through a variable such as <c>$copier := .Values.copier</c>), the heavysync
/// command lines they pass as <c>"args"</c> / <c>"initArgs"</c> lists, and the environment variable
/// names they set.
/// </summary>
public sealed partial class ChartTemplates
{
    private ChartTemplates(IReadOnlyDictionary<string, string> files) => Files = files;

    /// <summary>Template text by path relative to templates/.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>Reads every file under <paramref name="chartDirectory"/>/templates.</summary>
    public static ChartTemplates Load(string chartDirectory)
    {
        var root = Path.Combine(chartDirectory, "templates");
        return new ChartTemplates(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal));
    }

    /// <summary>Every values path used, dot-separated (e.g. <c>copier.keda.enabled</c>), with the file using it.</summary>
    public IEnumerable<(string File, string Path)> ValuesPaths()
    {
        foreach (var (file, text) in Files)
        {
            foreach (Match m in ValuesReference().Matches(text))
            {
                yield return (file, m.Groups[1].Value.TrimStart('.'));
            }

            var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match m in ValuesAlias().Matches(text))
            {
                aliases[m.Groups[1].Value] = m.Groups[2].Value.TrimStart('.');
            }

            foreach (Match m in VariableReference().Matches(text))
            {
                if (aliases.TryGetValue(m.Groups[1].Value, out var prefix))
                {
                    var suffix = m.Groups[2].Value.TrimStart('.');
                    yield return (file, prefix.Length == 0 ? suffix : prefix + "." + suffix);
                }
            }
        }
    }

    /// <summary>
    /// The command lines given to heavysync containers; template expressions among the words
    /// (e.g. a job's <c>.name</c>) become <paramref name="placeholder"/>.
    /// </summary>
    public IEnumerable<(string File, string[] Args)> CommandLines(string placeholder)
    {
        foreach (var (file, text) in Files)
        {
            foreach (Match m in ArgsList().Matches(text))
            {
                var words = Word().Matches(m.Groups[1].Value)
                    .Select(w => w.Value.StartsWith('"') ? w.Value[1..^1] : placeholder)
                    .ToArray();
                yield return (file, words);
            }
        }
    }

    /// <summary>Environment variable names set in the templates (upper-case EnvVar names).</summary>
    public IEnumerable<(string File, string Name)> EnvironmentNames()
    {
        foreach (var (file, text) in Files)
        {
            foreach (Match m in EnvName().Matches(text))
            {
                yield return (file, m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
            }
        }
    }

    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)\s*:=\s*\$?[A-Za-z_]*\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex ValuesAlias();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"""(?:args|initArgs)""\s+\(list((?:\s+(?:""[^""]*""|[$.A-Za-z_][$.A-Za-z0-9_]*))+)\s*\)")]
    private static partial Regex ArgsList();

    [GeneratedRegex(@"""[^""]*""|[$.A-Za-z_][$.A-Za-z0-9_]*")]
    private static partial Regex Word();

    [GeneratedRegex(@"^\s*-\s+name:\s+([A-Z][A-Z0-9_]*)\s*$|""name""\s+""([A-Z][A-Z0-9_]*)""", RegexOptions.Multiline)]
    private static partial Regex EnvName();
}
