using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace HeavySync.Aws;

/// <summary>
/// The AWS SDK's default credential chain (environment, profile, web identity, container,
/// instance), for every AWS client of this process (S3 and SQS). Web-identity credentials (IRSA)
/// need an STS client, which the SDK otherwise loads from AWSSDK.SecurityToken by reflection, which
/// a native (AOT) build cannot do: it is handed over here, so both builds take the same path. The
/// client is what the SDK itself would make: anonymous (AssumeRoleWithWebIdentity is authorised by
/// the token it carries), in the SDK's region, through its proxy.
/// </summary>
internal static class AwsDefaultCredentials
{
    private static int _stsRegistered;

    /// <summary>Resolves the default chain for a client configured by <paramref name="config"/> (null: the SDK's defaults).</summary>
    /// <exception cref="AmazonClientException">No credentials anywhere in the chain.</exception>
    public static AWSCredentials Resolve(IClientConfig? config)
    {
        RegisterSts();
        return DefaultAWSCredentialsIdentityResolver.GetCredentials(config);
    }

    private static void RegisterSts()
    {
        if (Interlocked.Exchange(ref _stsRegistered, 1) == 1)
        {
            return;
        }

        Amazon.RuntimeDependencies.GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(context =>
        {
            var sts = context.SecurityTokenServiceClientContextData;
            var config = new Amazon.SecurityToken.AmazonSecurityTokenServiceConfig { RegionEndpoint = sts.Region };
            if (sts.ProxySettings is { } proxy)
            {
                config.SetWebProxy(proxy);
            }

            return new Amazon.SecurityToken.AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
        });
    }
}
