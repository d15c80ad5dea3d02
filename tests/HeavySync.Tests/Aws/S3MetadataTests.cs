using HeavySync.Aws.S3;

namespace HeavySync.Tests.Aws;

public sealed class S3MetadataTests
{
    [Theory]
    [InlineData("1700000000.123456789", 1_700_000_000L, 1_234_567L)]
    [InlineData("1700000000", 1_700_000_000L, 0L)]
    [InlineData("1700000000.5", 1_700_000_000L, 5_000_000L)]
    [InlineData("0.000000100", 0L, 1L)]
    public void ParseMtime_RcloneFormat_ReadsSecondsAndFraction(string text, long seconds, long ticks)
    {
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(ticks), S3Metadata.ParseMtime(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("17.")]
    [InlineData("1.2e3")]
    [InlineData("99999999999999999999")]
    public void ParseMtime_Garbage_IsNull(string? text)
    {
        Assert.Null(S3Metadata.ParseMtime(text));
    }

    [Fact]
    public void FormatMtime_WritesNineFractionDigitsAndRoundTrips()
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567);

        var text = S3Metadata.FormatMtime(time);

        Assert.Equal("1700000000.123456700", text);
        Assert.Equal(time, S3Metadata.ParseMtime(text));
        Assert.Equal("-0.100000000", S3Metadata.FormatMtime(DateTimeOffset.UnixEpoch.AddTicks(-1_000_000)));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(-1_000_000), S3Metadata.ParseMtime("-0.100000000"));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(-19_000_000), S3Metadata.ParseMtime("-1.9"));
    }
}
