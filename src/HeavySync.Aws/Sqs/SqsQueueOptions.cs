namespace HeavySync.Aws.Sqs;

/// <summary>Settings of an <see cref="SqsWorkQueue"/>. Unset endpoint, region and profile follow the
/// AWS conventions (DESIGN.md §10).</summary>
public sealed record SqsQueueOptions
{
    /// <summary>The queue URL (<c>https://sqs.REGION.amazonaws.com/ACCOUNT/NAME</c>, or any http(s)
    /// queue URL); used by <see cref="SqsWorkQueue.Create(SqsQueueOptions, Amazon.Runtime.AWSCredentials?, HeavySync.Storage.IRequestObserver?, Microsoft.Extensions.Logging.ILoggerFactory?, TimeProvider?)"/>. No default.</summary>
    public string? QueueUrl { get; init; }

    /// <summary>How long a received message stays invisible to other consumers (the lease) unless
    /// extended (default 5 minutes; SQS allows 0 s to 12 h and counts whole seconds, rounded up here).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest single long poll (default 20 s, SQS's maximum). Longer receive waits are
    /// made of several polls.</summary>
    public TimeSpan MaxWaitPerPoll { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Service endpoint (default: <c>AWS_ENDPOINT_URL_SQS</c>, else <c>AWS_ENDPOINT_URL</c>,
    /// else the scheme and authority of the queue URL).</summary>
    public string? Endpoint { get; init; }

    /// <summary>Signing region (default: the region in an <c>sqs.REGION.amazonaws.com</c> queue URL,
    /// else <c>AWS_REGION</c> / <c>AWS_DEFAULT_REGION</c>, else us-east-1).</summary>
    public string? Region { get; init; }

    /// <summary>Named credentials profile (default: the SDK's default chain: environment,
    /// <c>AWS_PROFILE</c>, web identity / IRSA, container, instance).</summary>
    public string? Profile { get; init; }

    /// <summary>Attempts per request, the first included, for transient and throttled failures (default 6).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter (default 200 ms).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest retry delay (default 20 s).</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest time one attempt may take, beyond the long-poll wait (default 30 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an acknowledgement waits for others to share its DeleteMessageBatch
    /// (default 10 ms). <see cref="SqsWorkQueue.AckAsync"/> still completes only once the delete is done.</summary>
    public TimeSpan AckLinger { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Batch requests (sends, deletes) in flight at once per queue object (default 4).</summary>
    public int MaxConcurrentBatches { get; init; } = 4;

    /// <summary>Validates the options; throws <see cref="ArgumentException"/> naming the offending setting.</summary>
    public void Validate()
    {
        if (VisibilityTimeout < TimeSpan.Zero || VisibilityTimeout > TimeSpan.FromHours(12))
        {
            throw new ArgumentException($"VisibilityTimeout must be between 0 and 12 hours, got {VisibilityTimeout}", nameof(VisibilityTimeout));
        }

        if (MaxWaitPerPoll < TimeSpan.FromSeconds(1) || MaxWaitPerPoll > TimeSpan.FromSeconds(20))
        {
            throw new ArgumentException($"MaxWaitPerPoll must be between 1 and 20 seconds, got {MaxWaitPerPoll}", nameof(MaxWaitPerPoll));
        }

        if (MaxAttempts < 1 || MaxConcurrentBatches < 1)
        {
            throw new ArgumentException("MaxAttempts and MaxConcurrentBatches must be at least 1");
        }

        if (RequestTimeout <= TimeSpan.Zero || RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay || AckLinger < TimeSpan.Zero)
        {
            throw new ArgumentException("RequestTimeout must be positive; retry delays and AckLinger must not be negative");
        }
    }
}
