using System.Text.RegularExpressions;

namespace HeavySync.Google.PubSub;

/// <summary>
/// Where a Pub/Sub work queue lives: <c>pubsub://projects/P/subscriptions/S</c> (DESIGN.md §10).
/// Copiers pull from the subscription; listers publish to the subscription's topic, which the queue
/// reads once with <c>subscriptions.get</c>, so one location serves every role.
/// </summary>
/// <param name="Project">The Google Cloud project id.</param>
/// <param name="Subscription">The subscription id (not the full name).</param>
public sealed partial record PubSubQueueLocation(string Project, string Subscription)
{
    /// <summary>The URL scheme, with its separator.</summary>
    public const string Prefix = "pubsub://";

    /// <summary>The full resource name: <c>projects/P/subscriptions/S</c>.</summary>
    public string SubscriptionName => $"projects/{Project}/subscriptions/{Subscription}";

    /// <summary>True when <paramref name="text"/> is meant as a Pub/Sub location (whether or not it is valid).</summary>
    public static bool IsPubSub(string text) =>
        text is not null && text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses <c>pubsub://projects/P/subscriptions/S</c>. Throws <see cref="FormatException"/> with a
    /// one-line message naming the expected form when <paramref name="text"/> is anything else.
    /// </summary>
    public static PubSubQueueLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Shape().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not a Pub/Sub queue; expected pubsub://projects/PROJECT/subscriptions/SUBSCRIPTION");
        }

        return new PubSubQueueLocation(match.Groups["project"].Value, match.Groups["subscription"].Value);
    }

    /// <inheritdoc />
    public override string ToString() => Prefix + SubscriptionName;

    // Project ids: 6-30 lowercase letters, digits, hyphens (older ones may hold a domain and a colon).
    // Subscription ids: 3-255 characters of letters, digits and -_.~+%, starting with a letter.
    [GeneratedRegex(@"^pubsub://projects/(?<project>[a-z0-9.:\-]{1,63})/subscriptions/(?<subscription>[A-Za-z][A-Za-z0-9\-_.~+%]{2,254})/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
