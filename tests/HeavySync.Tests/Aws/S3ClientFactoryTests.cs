using Amazon.Runtime;
using HeavySync.Aws.S3;
using HeavySync.Locations;

namespace HeavySync.Tests.Aws;

public sealed class S3ClientFactoryTests
{
    [Fact]
    public void CreateConfig_WithEndpoint_UsesPathStyleAndOwnRetriesAndChecksumsWhenRequired()
    {
        var config = S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = "http://127.0.0.1:9000", Region = "eu-west-3" });

        Assert.True(config.ForcePathStyle);
        Assert.StartsWith("http://127.0.0.1:9000", config.ServiceURL, StringComparison.Ordinal);
        Assert.Equal("eu-west-3", config.AuthenticationRegion);
        Assert.Equal(0, config.MaxErrorRetry);
        Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, config.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_REQUIRED, config.ResponseChecksumValidation);
    }

    [Fact]
    public void CreateConfig_PathStyleSetting_WinsOverEndpointDefault()
    {
        var config = S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = "https://s3.example.com", PathStyle = false });

        Assert.False(config.ForcePathStyle);
    }

    [Fact]
    public void ResolveCredentials_MissingProfile_IsFatal()
    {
        var settings = new LocationSettings { Profile = "heavysync-no-such-profile-" + Guid.NewGuid().ToString("N") };

        var error = Assert.Throws<HeavySync.Storage.StoreException>(() => S3ClientFactory.ResolveCredentials(settings, S3ClientFactory.CreateConfig(settings)));

        Assert.Equal(HeavySync.Storage.StoreErrorKind.Fatal, error.Kind);
    }
}
