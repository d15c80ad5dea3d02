using HeavySync.Aws.S3;

namespace HeavySync.Tests.Aws;

public sealed class S3StoreOptionsTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Validate_BuffersUpTo512MiB_Accepted()
    {
        new S3StoreOptions { SinglePutThresholdBytes = 512 * MiB, MinPartSizeBytes = 512 * MiB }.Validate();
    }

    [Theory]
    [InlineData(512 * MiB + 1, 8 * MiB, "SinglePutThresholdBytes")]
    [InlineData(6L * 1024 * MiB, 8 * MiB, "SinglePutThresholdBytes")] // would overflow the int buffer size
    [InlineData(16 * MiB, 513 * MiB, "MinPartSizeBytes")]
    public void Validate_BufferAbove512MiB_RefusedNamingTheSetting(long singlePut, long part, string setting)
    {
        var error = Assert.Throws<ArgumentException>(() => new S3StoreOptions { SinglePutThresholdBytes = singlePut, MinPartSizeBytes = part }.Validate());

        Assert.Equal(setting, error.ParamName);
    }
}
