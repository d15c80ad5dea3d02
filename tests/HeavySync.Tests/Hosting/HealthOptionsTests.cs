using System.Net;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;

namespace HeavySync.Tests.Hosting;

public sealed class HealthOptionsTests
{
    [Theory]
    [InlineData("0.0.0.0", "http://+:8080/")]
    [InlineData("::", "http://+:8080/")]
    [InlineData("127.0.0.1", "http://127.0.0.1:8080/")]
    [InlineData("::1", "http://[::1]:8080/")]
    public void Prefix_Address_ListenerPrefix(string address, string expected)
    {
        Assert.Equal(expected, new HealthOptions(IPAddress.Parse(address), 8080).Prefix);
    }

    [Fact]
    public void From_NoPort_NoServer()
    {
        Assert.Null(HealthOptions.From(CliSettings.Load(null, new Dictionary<string, string?>())));
    }

    [Fact]
    public void From_PortOnly_LoopbackByDefault()
    {
        var options = HealthOptions.From(CliSettings.Load(null, new Dictionary<string, string?> { ["health_port"] = "9000" }));

        Assert.Equal(new HealthOptions(IPAddress.Loopback, 9000), options);
    }

    [Theory]
    [InlineData("0", null, "setting 'health_port' must be a whole number from 1 to 65535, not '0'")]
    [InlineData("8080", "everywhere", "--health-address: 'everywhere' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)")]
    public void From_BadValues_UsageError(string port, string? address, string message)
    {
        var flags = new Dictionary<string, string?> { ["health_port"] = port, ["health_address"] = address };

        var error = Assert.ThrowsAny<Exception>(() => HealthOptions.From(CliSettings.Load(null, flags)));

        Assert.Equal("UsageException", error.GetType().Name);
        Assert.Equal(message, error.Message);
    }
}
