using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace HeavySync.SqsTestServer;

/// <summary>The queues of one server, by name. Queue URLs are BASE/ACCOUNT/NAME, ARNs arn:aws:sqs:REGION:ACCOUNT:NAME.</summary>
public sealed partial class QueueStore(Func<string> baseUrl) : IDisposable
{
    public const string Account = "000000000000";
    public const string Region = "us-east-1";

    private readonly ConcurrentDictionary<string, SqsQueue> _queues = new(StringComparer.Ordinal);
    private readonly Lock _createGate = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Creates a queue, or returns the existing one when its attributes match (else QueueNameExists).</summary>
    public SqsQueue Create(string name, IReadOnlyDictionary<string, string> attributes)
    {
        if (!QueueName().IsMatch(name))
        {
            throw SqsError.InvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }

        lock (_createGate)
        {
            var settings = new QueueSettings().With(attributes, arn => FindByArn(arn) is not null);
            if (_queues.TryGetValue(name, out var existing))
            {
                return existing.Settings == settings
                    ? existing
                    : throw new SqsError(400, "QueueNameExists", "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s)");
            }

            var queue = new SqsQueue(name, $"{baseUrl()}/{Account}/{name}", $"arn:aws:sqs:{Region}:{Account}:{name}", settings, FindByArn, Time);
            _queues[name] = queue;
            return queue;
        }
    }

    /// <summary>The queue of a URL (matched by its last path segment); QueueDoesNotExist otherwise.</summary>
    public SqsQueue ByUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            throw SqsError.Missing("QueueUrl");
        }

        var name = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath.TrimEnd('/').Split('/')[^1] : url;
        return ByName(name);
    }

    public SqsQueue ByName(string name) => _queues.TryGetValue(name, out var queue) ? queue : throw SqsError.QueueDoesNotExist();

    public SqsQueue? FindByArn(string arn) =>
        arn.StartsWith($"arn:aws:sqs:{Region}:{Account}:", StringComparison.Ordinal) && _queues.TryGetValue(arn.Split(':')[^1], out var queue) ? queue : null;

    public void Delete(SqsQueue queue)
    {
        _queues.TryRemove(queue.Name, out _);
        queue.WakeAll();
    }

    public IReadOnlyList<SqsQueue> List(string? prefix) =>
        [.. _queues.Values.Where(q => prefix is null || q.Name.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(q => q.Name, StringComparer.Ordinal)];

    public void Dispose()
    {
        foreach (var queue in _queues.Values)
        {
            queue.WakeAll();
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial Regex QueueName();
}
