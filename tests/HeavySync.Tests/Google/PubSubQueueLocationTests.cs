using HeavySync.Google.PubSub;

namespace HeavySync.Tests.Google;

public sealed class PubSubQueueLocationTests
{
    [Theory]
    [InlineData("pubsub://projects/my-project/subscriptions/copy-work", "my-project", "copy-work")]
    [InlineData("pubsub://projects/p1/subscriptions/sub.with_odd~chars+1%/", "p1", "sub.with_odd~chars+1%")]
    [InlineData("PUBSUB://projects/example.com:legacy/subscriptions/abc", "example.com:legacy", "abc")]
    public void Parse_ValidLocation_ReturnsProjectAndSubscription(string text, string project, string subscription)
    {
        var location = PubSubQueueLocation.Parse(text);

        Assert.Equal(project, location.Project);
        Assert.Equal(subscription, location.Subscription);
        Assert.Equal($"projects/{project}/subscriptions/{subscription}", location.SubscriptionName);
    }

    [Theory]
    [InlineData("pubsub://projects/p1/topics/t1")]
    [InlineData("pubsub://projects/p1/subscriptions/ab")]
    [InlineData("pubsub://projects/p1/subscriptions/1abc")]
    [InlineData("pubsub://p1/sub")]
    [InlineData("https://sqs.eu-west-1.amazonaws.com/1/q")]
    [InlineData("pubsub://projects/p1/subscriptions/a/b")]
    public void Parse_Malformed_ThrowsOneLineFormatException(string text)
    {
        var error = Assert.Throws<FormatException>(() => PubSubQueueLocation.Parse(text));

        Assert.Contains("pubsub://projects/PROJECT/subscriptions/SUBSCRIPTION", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ToString_RoundTripsThroughParse()
    {
        var location = new PubSubQueueLocation("proj-1", "work");

        Assert.Equal(location, PubSubQueueLocation.Parse(location.ToString()));
    }

    [Theory]
    [InlineData("pubsub://x", true)]
    [InlineData("postgres", false)]
    [InlineData("inprocess", false)]
    public void IsPubSub_ByScheme(string text, bool expected) => Assert.Equal(expected, PubSubQueueLocation.IsPubSub(text));
}
