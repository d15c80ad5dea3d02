using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

/// <summary>
/// Builds S3 clients from <see cref="LocationSettings"/> and the AWS conventions (DESIGN.md §10):
/// endpoint from the settings, else <c>AWS_ENDPOINT_URL_S3</c> / <c>AWS_ENDPOINT_URL</c>; region from
/// the settings, else <c>AWS_REGION</c>, else us-east-1; credentials from the named profile, else
/// the SDK's default chain (environment, shared profile, web identity / IRSA, container, instance).
/// </summary>
public static class S3ClientFactory
{
    private const string DefaultRegion = "us-east-1";

    /// <summary>The endpoint this location talks to, or null for AWS's own.</summary>
    public static string? ResolveEndpoint(LocationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return NonEmpty(settings.Endpoint)
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3"))
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));
    }

    /// <summary>The region this location uses.</summary>
    public static string ResolveRegion(LocationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return NonEmpty(settings.Region)
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_REGION"))
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"))
            ?? DefaultRegion;
    }

    /// <summary>Client configuration: our own retries (the SDK's are off), checksums only when an
    /// operation requires them (S3-compatible servers reject streaming-trailer uploads).</summary>
    public static AmazonS3Config CreateConfig(LocationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var endpoint = ResolveEndpoint(settings);
        var region = ResolveRegion(settings);
        var config = new AmazonS3Config
        {
            MaxErrorRetry = 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            ForcePathStyle = settings.PathStyle ?? endpoint is not null,
            Timeout = TimeSpan.FromMinutes(5),
            HttpClientFactory = new S3HttpClientFactory(),
        };
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region;
        }

        return config;
    }

    /// <summary>Resolves credentials: the named profile when set (a missing profile is
    /// <see cref="StoreErrorKind.Fatal"/>), else the SDK's default chain.</summary>
    public static AWSCredentials ResolveCredentials(LocationSettings settings, AmazonS3Config config)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var profile = NonEmpty(settings.Profile);
        if (profile is not null)
        {
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile))
            {
                return fromProfile;
            }

            throw new StoreException(StoreErrorKind.Fatal, $"AWS profile '{profile}' was not found in the shared config or credentials files");
        }

        try
        {
            return AwsDefaultCredentials.Resolve(config);
        }
        catch (AmazonClientException ex)
        {
            throw new StoreException(StoreErrorKind.Fatal, "no AWS credentials found (environment, profile, web identity, container or instance)", ex);
        }
    }

    /// <summary>Creates a client with the given credentials.</summary>
    public static AmazonS3Client CreateClient(AWSCredentials credentials, AmazonS3Config config) => new(credentials, config);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
