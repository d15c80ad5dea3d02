using System.Text.Json;
using System.Text.RegularExpressions;

namespace HeavySync.IntegrationTests.Deploy;

/// <summary>
/// The parts of Dockerfile syntax the repository's Dockerfile uses: comments, line continuations,
/// flags, shell-form and JSON-form arguments, stages. Enough to replay the build stage here.
/// </summary>
public static partial class Dockerfile
{
    /// <summary>Parses <paramref name="path"/> into stages.</summary>
    public static IReadOnlyList<DockerStage> Parse(string path)
    {
        var logical = Regex.Replace(File.ReadAllText(path), @"\\\r?\n", " ");
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        foreach (var raw in logical.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var instruction = ParseLine(line);
            if (instruction.Keyword == "FROM")
            {
                current = [];
                var args = instruction.Arguments;
                stages.Add(new DockerStage(args[0], args.Count == 3 && args[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? args[2] : null, current));
            }
            else
            {
                (current ?? throw new FormatException($"{path}: '{line}' comes before any FROM")).Add(instruction);
            }
        }

        return stages;
    }

    private static DockerInstruction ParseLine(string line)
    {
        var space = line.IndexOf(' ');
        var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Flag().Match(rest) is { Success: true } flag)
        {
            flags[flag.Groups[1].Value] = flag.Groups[2].Value;
            rest = rest[flag.Length..].TrimStart();
        }

        IReadOnlyList<string> arguments = rest.StartsWith('[')
            ? JsonSerializer.Deserialize<string[]>(rest) ?? []
            : rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new DockerInstruction(keyword, flags, arguments);
    }

    [GeneratedRegex(@"^--([a-z-]+)=(\S+)")]
    private static partial Regex Flag();
}
