using System.Globalization;

namespace HeavySync.SqsTestServer;

internal sealed partial class SqsActions
{
    private static readonly string[] ComputedAttributes =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ];

    private object CreateQueue(RequestBody body)
    {
        var queue = store.Create(body.RequiredString("QueueName"), body.StringMap("Attributes"));
        return new { QueueUrl = queue.Url };
    }

    private object GetQueueUrl(RequestBody body) => new { QueueUrl = store.ByName(body.RequiredString("QueueName")).Url };

    private object DeleteQueue(RequestBody body)
    {
        store.Delete(store.ByUrl(body.OptionalString("QueueUrl")));
        return Empty;
    }

    private object PurgeQueue(RequestBody body)
    {
        store.ByUrl(body.OptionalString("QueueUrl")).Purge();
        return Empty;
    }

    private object ListQueues(RequestBody body)
    {
        var max = body.OptionalInt("MaxResults");
        if (max is < 1 or > 1000)
        {
            throw SqsError.InvalidParameter("Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
        }

        var all = store.List(body.OptionalString("QueueNamePrefix"));
        var start = int.TryParse(body.OptionalString("NextToken"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var page = all.Skip(start).Take(max ?? 1000).Select(q => q.Url).ToList();
        var next = max is not null && start + page.Count < all.Count ? (start + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        return new { QueueUrls = page, NextToken = next };
    }

    private object GetQueueAttributes(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var names = body.StringList("AttributeNames");
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in queue.Settings.Reported())
        {
            all[name] = value;
        }

        var (visible, notVisible, delayed) = queue.Counts();
        all["ApproximateNumberOfMessages"] = Text(visible);
        all["ApproximateNumberOfMessagesNotVisible"] = Text(notVisible);
        all["ApproximateNumberOfMessagesDelayed"] = Text(delayed);
        all["CreatedTimestamp"] = Text(queue.CreatedAt.ToUnixTimeSeconds());
        all["LastModifiedTimestamp"] = Text(queue.LastModifiedAt.ToUnixTimeSeconds());
        all["QueueArn"] = queue.Arn;
        if (names.Contains("All"))
        {
            return new { Attributes = all };
        }

        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (all.TryGetValue(name, out var value))
            {
                chosen[name] = value;
            }
            else if (!IsKnownAttribute(name))
            {
                throw new SqsError(400, "InvalidAttributeName", "InvalidAttributeName", $"Unknown Attribute {name}.");
            }
        }

        return new { Attributes = chosen.Count > 0 ? chosen : null };
    }

    private object SetQueueAttributes(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var attributes = body.StringMap("Attributes");
        queue.Update(queue.Settings.With(attributes, arn => store.FindByArn(arn) is not null));
        return Empty;
    }

    /// <summary>Names the reference lists that this server knows but does not report (policies, KMS, FIFO).</summary>
    private static bool IsKnownAttribute(string name) =>
        ComputedAttributes.Contains(name) || name is "Policy" or "RedrivePolicy" or "RedriveAllowPolicy" or "KmsMasterKeyId"
            or "KmsDataKeyReusePeriodSeconds" or "SqsManagedSseEnabled" or "FifoQueue" or "ContentBasedDeduplication"
            or "DeduplicationScope" or "FifoThroughputLimit";

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
