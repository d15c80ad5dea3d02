using System.Reflection;

namespace HeavySync.Tests.Architecture;

/// <summary>
/// DESIGN.md §2: Core references nothing in src/ and no cloud SDK, database driver or OpenTelemetry
/// SDK; providers reference only Core; nothing references the CLI.
/// </summary>
public sealed class ReferenceRulesTests
{
    private static readonly string[] Providers = ["HeavySync.Aws", "HeavySync.Google", "HeavySync.State"];

    private static readonly string[] ForbiddenInCore =
    [
        "AWSSDK", "Google", "Npgsql", "Dapper", "Microsoft.Data.Sqlite", "SQLitePCL", "OpenTelemetry",
        "System.CommandLine", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Configuration",
    ];

    [Fact]
    public void Core_ReferencesNoProjectAndNoSdk()
    {
        var references = ReferencesOf("HeavySync.Core");

        Assert.DoesNotContain(references, r => r.StartsWith("HeavySync", StringComparison.Ordinal));
        foreach (var forbidden in ForbiddenInCore)
        {
            Assert.DoesNotContain(references, r => r.StartsWith(forbidden, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Providers_ReferenceOnlyCore()
    {
        foreach (var provider in Providers)
        {
            var own = ReferencesOf(provider).Where(r => r.StartsWith("HeavySync", StringComparison.Ordinal)).ToList();
            Assert.True(own.All(r => r == "HeavySync.Core"), $"{provider} references {string.Join(", ", own)}");
        }
    }

    [Fact]
    public void NothingReferencesTheCli()
    {
        foreach (var assembly in Providers.Append("HeavySync.Core"))
        {
            Assert.DoesNotContain("heavysync", ReferencesOf(assembly));
        }
    }

    [Fact]
    public void Sdks_StayInTheirProviders()
    {
        Assert.DoesNotContain(ReferencesOf("HeavySync.State"), r => r.StartsWith("AWSSDK", StringComparison.Ordinal));
        Assert.DoesNotContain(ReferencesOf("HeavySync.Aws"), r => r.StartsWith("Npgsql", StringComparison.Ordinal) || r.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal) || r.StartsWith("Google", StringComparison.Ordinal));
        Assert.DoesNotContain(ReferencesOf("HeavySync.Google"), r => r.StartsWith("AWSSDK", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal) || r.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal));
    }

    [Fact]
    public void ProjectFiles_FollowTheSameRules()
    {
        var src = Path.Combine(RepoRoot(), "src");
        var allowed = new Dictionary<string, string[]>
        {
            ["HeavySync.Core"] = [],
            ["HeavySync.Aws"] = ["HeavySync.Core"],
            ["HeavySync.Google"] = ["HeavySync.Core"],
            ["HeavySync.State"] = ["HeavySync.Core"],
        };
        foreach (var (project, may) in allowed)
        {
            var xml = System.Xml.Linq.XDocument.Load(Path.Combine(src, project, project + ".csproj"));
            var refs = xml.Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
            Assert.True(refs.All(may.Contains), $"{project} references {string.Join(", ", refs)}");
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HeavySync.Workers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    private static List<string> ReferencesOf(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        return assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
    }
}
