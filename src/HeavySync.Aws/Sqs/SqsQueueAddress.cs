using System.Text.RegularExpressions;

namespace HeavySync.Aws.Sqs;

/// <summary>
/// Where a queue lives: its URL as SQS names it, the endpoint requests go to and the signing region.
/// </summary>
/// <param name="QueueUrl">The queue URL (<c>https://sqs.REGION.amazonaws.com/ACCOUNT/NAME</c> or a test server's).</param>
/// <param name="Endpoint">The service endpoint requests are POSTed to (path "/").</param>
/// <param name="Region">Signing region.</param>
/// <param name="QueueName">The last path segment of the URL.</param>
public sealed partial record SqsQueueAddress(Uri QueueUrl, Uri Endpoint, string Region, string QueueName)
{
    private const string DefaultRegion = "us-east-1";

    /// <summary>
    /// Parses a queue URL and resolves endpoint and region (see <see cref="SqsQueueOptions"/> for
    /// the order). Throws <see cref="ArgumentException"/> with a one-line reason for anything but an
    /// absolute http(s) URL with a queue name.
    /// </summary>
    public static SqsQueueAddress Parse(string queueUrl, SqsQueueOptions? options = null)
    {
        options ??= new SqsQueueOptions();
        if (!Uri.TryCreate(queueUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"not an SQS queue URL (expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME): {queueUrl}", nameof(queueUrl));
        }

        var name = url.AbsolutePath.TrimEnd('/').Split('/')[^1];
        if (name.Length == 0)
        {
            throw new ArgumentException($"the SQS queue URL names no queue: {queueUrl}", nameof(queueUrl));
        }

        var endpoint = NonEmpty(options.Endpoint)
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_SQS"))
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"))
            ?? url.GetLeftPart(UriPartial.Authority);
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri) || (endpointUri.Scheme != Uri.UriSchemeHttp && endpointUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"not an http(s) SQS endpoint: {endpoint}", nameof(options));
        }

        var host = AwsHost().Match(url.Host);
        var region = NonEmpty(options.Region)
            ?? (host.Success ? host.Groups["region"].Value : null)
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_REGION"))
            ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"))
            ?? DefaultRegion;
        return new SqsQueueAddress(url, new Uri(endpointUri.GetLeftPart(UriPartial.Authority) + "/"), region, name);
    }

    /// <summary>True when <paramref name="value"/> looks like a queue URL (for the CLI's <c>--queue</c>).</summary>
    public static bool IsQueueUrl(string? value) =>
        value is not null && Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex(@"^(sqs\.(?<region>[a-z0-9-]+)|(?<region>[a-z0-9-]+)\.queue)\.amazonaws\.com(\.cn)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AwsHost();

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
