using System.Text.Json;

namespace HeavySync.Tests.Deploy;

/// <summary>
/// The runtime settings the heavysync program is built with (its <c>heavysync.runtimeconfig.json</c>,
/// copied beside the tests from the CLI project's build): every build of it, the wrapper's composite
/// one and the container's, carries the same file.
/// </summary>
public sealed class RuntimeConfigTests
{
    private static readonly JsonElement Properties = ReadProperties();

    [Fact]
    public void Tiering_WaitsLongerThanAShortRunForAQuietSpell()
    {
        // The runtime's default is 100 ms: a copy waiting on a slow server set off the recompiling of
        // every hot method, 0.2-0.4 s of CPU a run that gained nothing from it (docs/benchmarks.md).
        Assert.True(Properties.TryGetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs", out var delay), "no tiering delay set");
        Assert.True(delay.GetInt32() >= 10_000, $"tiering delay {delay.GetInt32()} ms");
        Assert.False(Properties.TryGetProperty("System.Runtime.TieredCompilation", out var tiered) && tiered.ValueKind == JsonValueKind.False,
            "tiered compilation is off: every method without precompiled code would be compiled fully optimized at start-up");
    }

    [Fact]
    public void FileLocking_IsOff()
    {
        Assert.True(Properties.GetProperty("System.IO.DisableFileLocking").GetBoolean());
    }

    private static JsonElement ReadProperties()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "heavysync.runtimeconfig.json")));
        return config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
