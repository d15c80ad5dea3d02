using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HeavySync.Storage;

namespace HeavySync.Aws.S3;

public sealed partial class S3ObjectStore
{
    /// <summary>Reads the bucket's versioning state: one request that also proves the bucket exists
    /// and the credentials work. Sets <see cref="Capabilities"/>.</summary>
    private async Task ProbeBucketAsync(CancellationToken cancellationToken)
    {
        var versioned = false;
        try
        {
            var response = await SendAsync(
                RequestOperations.Head,
                $"GetBucketVersioning s3://{_bucket}",
                token => _client.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = _bucket }, token),
                cancellationToken).ConfigureAwait(false);
            var status = response.VersioningConfig?.Status;
            versioned = status == VersionStatus.Enabled || status == VersionStatus.Suspended;
        }
        catch (StoreException ex) when (ex.InnerException is AmazonS3Exception { ErrorCode: "AccessDenied" })
        {
            // Allowed to use the bucket but not to read its configuration: prove it exists another way.
            await HeadBucketAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            throw OpenFailure(ex);
        }

        Capabilities = new StoreCapabilities
        {
            ServerSideCopy = true,
            Versions = versioned,
            ChecksumKinds = ChecksumKinds.Md5 | ChecksumKinds.MultipartETag,
            // The source mtime is kept (metadata "mtime", reported by StatAsync and WriteAsync), but
            // listings carry only the upload time, and the planner compares listings: announcing a
            // precision would make it compare upload times with source mtimes.
            MtimePrecision = TimeSpan.Zero,
            MaxSingleWriteBytes = 5L * 1024 * 1024 * 1024,
            OrderedListing = true,
        };
    }

    private async Task HeadBucketAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(
                RequestOperations.Head,
                $"HeadBucket s3://{_bucket}",
                token => _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _bucket }, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            throw OpenFailure(ex);
        }
    }

    /// <summary>Turns an open failure into the one-line cause a user sees.</summary>
    private StoreException OpenFailure(StoreException error)
    {
        var code = (error.InnerException as AmazonServiceException)?.ErrorCode;
        var status = (int?)(error.InnerException as AmazonServiceException)?.StatusCode;
        var endpoint = Identity.Endpoint.Length > 0 ? Identity.Endpoint : $"AWS S3 ({Identity.Region})";
        if (code == "NoSuchBucket" || (status == 404 && string.IsNullOrEmpty(code)))
        {
            return new StoreException(StoreErrorKind.Fatal, $"bucket '{_bucket}' does not exist at {endpoint}", error);
        }

        if (code is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken")
        {
            return new StoreException(StoreErrorKind.Fatal, $"S3 rejected the credentials for s3://{_bucket}: {code}", error);
        }

        if (code is "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" || status == 301)
        {
            return new StoreException(StoreErrorKind.Fatal, $"bucket '{_bucket}' is not in region {Identity.Region}: set the location's region", error);
        }

        if (code == "AccessDenied" || status == 403)
        {
            return new StoreException(StoreErrorKind.Fatal, $"access to s3://{_bucket} at {endpoint} was denied", error);
        }

        return error.Kind == StoreErrorKind.Fatal
            ? error
            : new StoreException(StoreErrorKind.Fatal, $"could not open s3://{_bucket} at {endpoint}: {error.Message}", error);
    }
}
