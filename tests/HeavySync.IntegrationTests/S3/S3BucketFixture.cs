using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Aws.S3;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>A fresh, uniquely named bucket on the radosgw test server for one test class.</summary>
public class S3BucketFixture : IAsyncLifetime
{
    private static int _counter;

    /// <summary>Creates the fixture; <paramref name="versioned"/> turns bucket versioning on.</summary>
    protected S3BucketFixture(bool versioned) => Versioned = versioned;

    /// <summary>Creates an unversioned bucket.</summary>
    public S3BucketFixture()
        : this(false)
    {
    }

    /// <summary>Whether the bucket keeps versions.</summary>
    public bool Versioned { get; }

    /// <summary>The server.</summary>
    public RadosgwServer Server { get; private set; } = null!;

    /// <summary>The bucket's name.</summary>
    public string Bucket { get; } = $"hs-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..40];

    /// <summary>A raw SDK client of the first user, for arranging and inspecting.</summary>
    public AmazonS3Client Client { get; private set; } = null!;

    /// <summary>Settings pointing at the server.</summary>
    public LocationSettings Settings => new() { Endpoint = Server.Endpoint, Region = "us-east-1" };

    public virtual async Task InitializeAsync()
    {
        Server = await RadosgwServer.GetAsync();
        Client = NewClient(Server.Credentials);
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
        if (Versioned)
        {
            await Client.PutBucketVersioningAsync(new PutBucketVersioningRequest
            {
                BucketName = Bucket,
                VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
            });
        }
    }

    public Task DisposeAsync()
    {
        // The bucket dies with the throw-away cluster; emptying it would only slow the suite down.
        Client.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A raw SDK client configured like the store's.</summary>
    public AmazonS3Client NewClient(AWSCredentials credentials) =>
        new(credentials, S3ClientFactory.CreateConfig(new LocationSettings { Endpoint = Server.Endpoint, Region = "us-east-1" }));

    /// <summary>Opens a store on a fresh prefix (or <paramref name="prefix"/>) of this bucket.</summary>
    public Task<S3ObjectStore> OpenAsync(
        string? prefix = null,
        S3StoreOptions? options = null,
        IRequestObserver? observer = null,
        AWSCredentials? credentials = null,
        LocationSettings? settings = null,
        string? bucket = null,
        TimeProvider? timeProvider = null) =>
        S3ObjectStore.OpenAsync(
            new StoreLocation(LocationScheme.S3, bucket ?? Bucket, prefix ?? $"p{Guid.NewGuid():N}/", string.Empty),
            settings ?? Settings,
            options,
            observer,
            logger: null,
            credentials ?? Server.Credentials,
            timeProvider);
}

/// <summary>A fresh bucket with versioning enabled.</summary>
public sealed class VersionedS3BucketFixture : S3BucketFixture
{
    public VersionedS3BucketFixture()
        : base(true)
    {
    }
}
