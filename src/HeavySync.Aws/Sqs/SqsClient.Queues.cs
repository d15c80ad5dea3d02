using System.Text.Json;
using HeavySync.Aws.Sqs.Protocol;

namespace HeavySync.Aws.Sqs;

public sealed partial class SqsClient
{
    /// <summary>Reads queue attributes by name (e.g. ApproximateNumberOfMessages); values as SQS gives them (strings).</summary>
    /// <exception cref="HeavySync.Storage.StoreException">A missing queue is <see cref="HeavySync.Storage.StoreErrorKind.Fatal"/>.</exception>
    public async Task<IReadOnlyDictionary<string, string>> GetQueueAttributesAsync(Uri queueUrl, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        ArgumentNullException.ThrowIfNull(names);
        var what = What("GetQueueAttributes", queueUrl);
        var answer = await InvokeAsync("GetQueueAttributes", new GetQueueAttributesRequest(queueUrl.AbsoluteUri, names), what, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        return answer.TryGetProperty("Attributes", out var attributes)
            ? Deserialize<Dictionary<string, string>>(attributes, what)
            : new Dictionary<string, string>();
    }

    /// <summary>Looks a queue's URL up by name.</summary>
    /// <exception cref="HeavySync.Storage.StoreException">A missing queue is <see cref="HeavySync.Storage.StoreErrorKind.Fatal"/>.</exception>
    public async Task<Uri> GetQueueUrlAsync(string queueName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        var what = "SQS GetQueueUrl " + queueName;
        var answer = await InvokeAsync("GetQueueUrl", new QueueNameRequest(queueName), what, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        return QueueUrlOf(answer, what);
    }

    /// <summary>Creates a queue (or returns the existing one with identical attributes).</summary>
    /// <param name="queueName">Up to 80 alphanumerics, hyphens and underscores.</param>
    /// <param name="attributes">Queue attributes, e.g. VisibilityTimeout, or RedrivePolicy as its JSON string; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Uri> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        var what = "SQS CreateQueue " + queueName;
        var answer = await InvokeAsync("CreateQueue", new CreateQueueRequest(queueName, attributes), what, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        return QueueUrlOf(answer, what);
    }

    /// <summary>Deletes a queue and its messages.</summary>
    public async Task DeleteQueueAsync(Uri queueUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueUrl);
        await InvokeAsync("DeleteQueue", new QueueUrlRequest(queueUrl.AbsoluteUri), What("DeleteQueue", queueUrl), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The RedrivePolicy attribute value that dead-letters a message after <paramref name="maxReceiveCount"/> receives.</summary>
    public static string RedrivePolicy(string deadLetterTargetArn, int maxReceiveCount) =>
        JsonSerializer.Serialize(
            new RedrivePolicyDocument(deadLetterTargetArn, maxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            SqsJson.TypeInfo<RedrivePolicyDocument>());

    private static Uri QueueUrlOf(JsonElement answer, string what) =>
        answer.TryGetProperty("QueueUrl", out var url) && url.ValueKind == JsonValueKind.String && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri)
            ? uri
            : throw new HeavySync.Storage.StoreException(HeavySync.Storage.StoreErrorKind.Transient, $"{what}: the answer holds no QueueUrl");
}
