using System.CommandLine;
using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.Tests.Cli;

/// <summary>
/// One setting, every surface, for the per-side S3 settings: the flags parse (a bare
/// <c>--src-path-style</c> included) and the JSON config file's keys land in each side's
/// <see cref="LocationSettings"/>; a flag beats the file. (The environment surface is proven end to
/// end with the real binary, in child processes, so no test here changes this process's environment.)
/// </summary>
public sealed class S3SideSettingsTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "hs-side-settings-" + Guid.NewGuid().ToString("N")[..8]);

    public S3SideSettingsTests() => Directory.CreateDirectory(directory);

    [Fact]
    public void Flags_EveryS3SettingOfBothSides_ParseIntoEachSidesSettings()
    {
        var (source, destination) = SidesOf(null,
            "--src-endpoint", "http://src.example:9000", "--src-region", "eu-west-3", "--src-profile", "alpha", "--src-path-style",
            "--dst-endpoint", "http://dst.example:9000", "--dst-region", "ap-south-1", "--dst-profile", "beta", "--dst-path-style", "false");

        Assert.Equal(new LocationSettings { Endpoint = "http://src.example:9000", Region = "eu-west-3", Profile = "alpha", PathStyle = true }, source);
        Assert.Equal(new LocationSettings { Endpoint = "http://dst.example:9000", Region = "ap-south-1", Profile = "beta", PathStyle = false }, destination);
    }

    [Theory]
    [InlineData("--src-path-style", "--dst-path-style")]
    [InlineData("--src-path-style=true", "--dst-path-style=0")]
    public void Flags_PathStyleForms_Parse(string sourceFlag, string destinationFlag)
    {
        var (source, destination) = SidesOf(null, sourceFlag, destinationFlag);

        Assert.True(source.PathStyle);
        Assert.Equal(destinationFlag.EndsWith('0') ? false : true, destination.PathStyle);
    }

    [Fact]
    public void Flags_PathStyleNotGiven_LeftToTheStore()
    {
        var (source, destination) = SidesOf(null);

        Assert.Null(source.PathStyle);
        Assert.Null(destination.PathStyle);
    }

    [Fact]
    public void ConfigFile_EveryS3SettingOfBothSides_ReachEachSidesSettings()
    {
        var config = WriteConfig("""
            {
              "src_endpoint": "http://src.example:9000", "src_region": "eu-west-3", "src_profile": "alpha", "src_path_style": false,
              "dst_endpoint": "http://dst.example:9000", "dst_region": "ap-south-1", "dst_profile": "beta", "dst_path_style": true
            }
            """);

        var (source, destination) = SidesOf(config);

        Assert.Equal(new LocationSettings { Endpoint = "http://src.example:9000", Region = "eu-west-3", Profile = "alpha", PathStyle = false }, source);
        Assert.Equal(new LocationSettings { Endpoint = "http://dst.example:9000", Region = "ap-south-1", Profile = "beta", PathStyle = true }, destination);
    }

    [Fact]
    public void FlagAndConfigFile_FlagWins()
    {
        var config = WriteConfig("""{ "dst_region": "ap-south-1", "dst_path_style": true, "dst_profile": "beta" }""");

        var (_, destination) = SidesOf(config, "--dst-region", "us-west-2", "--dst-path-style", "false");

        Assert.Equal(new LocationSettings { Region = "us-west-2", Profile = "beta", PathStyle = false }, destination with { Endpoint = null });
    }

    [Fact]
    public void Flags_BadPathStyleValue_IsAUsageError()
    {
        var error = Assert.Throws<UsageException>(() => SidesOf(null, "--dst-path-style", "sometimes"));

        Assert.Contains("dst_path_style", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>The two sides' settings after parsing <paramref name="args"/> the way <c>sync</c> does.</summary>
    private static (LocationSettings Source, LocationSettings Destination) SidesOf(string? configFile, params string[] args)
    {
        var shared = new SharedOptions();
        SyncSettings.AddOptions(shared);
        var command = new Command("sync");
        shared.AddTo(command);
        var parse = command.Parse(configFile is null ? args : [.. args, "--config", configFile]);
        Assert.Empty(parse.Errors);
        var host = new CliHost(shared.Load(parse), verbosity: 0);
        try
        {
            return (Only(host.SideSettings(StoreSide.Source)), Only(host.SideSettings(StoreSide.Destination)));
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The S3 part of a side's settings (the process environment may set other HEAVYSYNC_* keys).</summary>
    private static LocationSettings Only(LocationSettings settings) => new()
    {
        Endpoint = settings.Endpoint,
        Region = settings.Region,
        Profile = settings.Profile,
        PathStyle = settings.PathStyle,
    };

    private string WriteConfig(string json)
    {
        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, json);
        return path;
    }
}
