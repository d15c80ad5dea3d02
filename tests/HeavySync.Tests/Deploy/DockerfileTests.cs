using System.Text.RegularExpressions;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// Fast checks of the Dockerfile (the slow replay of its build stage is in the integration tests).
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string Text = File.ReadAllText(RepositoryRoot.Combine("Dockerfile"));

    [Fact]
    public void RestoreLayer_CopiesEveryProjectFile()
    {
        var copied = Regex.Matches(Text, @"^COPY (src/\S+\.csproj) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        var projects = Directory.EnumerateFiles(RepositoryRoot.Combine("src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(RepositoryRoot.Path, p).Replace('\\', '/'))
            .ToHashSet();

        Assert.Equal(projects.Order(StringComparer.Ordinal), copied.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FinalStage_NonRootUserAndHeavySyncEntryPoint()
    {
        Assert.Matches(@"(?m)^USER [1-9][0-9]*(:[1-9][0-9]*)?$", Text);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""/app/heavysync""\]$", Text);
    }
}
