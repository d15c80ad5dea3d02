using System.Diagnostics;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace HeavySync.Tests.Deploy;

/// <summary>What one helm command did.</summary>
public sealed record HelmResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n{Error}\n{Output}";
}

/// <summary>
/// The real Helm binary (scripts/helm/install.sh brings it from the npm registry, once, into a
/// cache; <c>HEAVYSYNC_HELM</c> names another), run on charts/heavysync.
/// </summary>
public static class HelmRunner
{
    private static readonly Lazy<string> Binary = new(Locate);

    /// <summary>charts/heavysync.</summary>
    public static string Chart { get; } = RepositoryRoot.Combine("charts/heavysync");

    /// <summary>Runs helm with <paramref name="args"/>; bounded at two minutes.</summary>
    public static HelmResult Run(params string[] args)
    {
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Helm keeps no state a test needs: point its cache and config at a throwaway place.
        var home = Path.Combine(Path.GetTempPath(), "heavysync-helm-home");
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(home, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(home, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(home, "data");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("helm " + string.Join(' ', args) + " did not finish in 2 minutes");
        }

        return new HelmResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// <c>helm template</c> of the chart as release <paramref name="release"/> with the values
    /// files <paramref name="valuesFiles"/> and <c>--set</c> pairs <paramref name="sets"/>.
    /// </summary>
    public static HelmResult Template(string release, IEnumerable<string> valuesFiles, params string[] sets)
    {
        var args = new List<string> { "template", release, Chart, "--namespace", "sync" };
        foreach (var file in valuesFiles)
        {
            args.AddRange(["-f", file]);
        }

        foreach (var set in sets)
        {
            args.AddRange(["--set", set]);
        }

        return Run([.. args]);
    }

    /// <summary>The objects of a rendered manifest stream, as JSON.</summary>
    public static IReadOnlyList<JsonObject> Objects(string manifests)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(manifests));
        return stream.Documents
            .Select(d => YamlJson.ToJson(d.RootNode))
            .OfType<JsonObject>()
            .ToList();
    }

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("HEAVYSYNC_HELM") is { Length: > 0 } named)
        {
            return named;
        }

        var script = RepositoryRoot.Combine("scripts/helm/install.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/helm/install.sh failed: {error.Result}");
        }

        return output.Result.Trim().Split('\n')[^1];
    }
}
