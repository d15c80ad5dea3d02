using System.CommandLine;

namespace HeavySync.Cli.Commands;

/// <summary>The options every cluster role shares: state, queue, config, verbosity.</summary>
internal sealed class ClusterOptions
{
    public ClusterOptions()
    {
        Shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        Shared.Bind(new Option<string?>("--queue") { Description = QueueDescription }, "queue");
        Shared.Bind(new Option<string?>("--queue-endpoint") { Description = "SQS endpoint URL when it differs from the queue URL's host (default: AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL); Pub/Sub: host:port of an emulator (default: PUBSUB_EMULATOR_HOST). [HEAVYSYNC_QUEUE_ENDPOINT]" }, "queue_endpoint");
        Shared.Bind(new Option<string?>("--queue-lease") { Description = "How long a received message stays invisible to other copiers (SQS visibility timeout, Pub/Sub ack deadline, Postgres lease; default 5m). Copiers renew it while they work. [HEAVYSYNC_QUEUE_LEASE]" }, "queue_lease");
        Shared.Bind(new Option<string?>("--queue-region") { Description = "SQS region (default: from the queue URL, else AWS_REGION). [HEAVYSYNC_QUEUE_REGION]" }, "queue_region");
        Shared.Bind(new Option<string?>("--queue-profile") { Description = "AWS credentials profile for SQS (default: AWS_PROFILE / the default chain). [HEAVYSYNC_QUEUE_PROFILE]" }, "queue_profile");
    }

    /// <summary>Help text of <c>--queue</c>.</summary>
    public const string QueueDescription =
        "Work queue: 'postgres' (the state database's own queue table), an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), " +
        "or pubsub://projects/PROJECT/subscriptions/SUBSCRIPTION. [HEAVYSYNC_QUEUE]";

    public SharedOptions Shared { get; }

    /// <summary>Binds an option to a settings key.</summary>
    public T Bind<T>(T option, string key)
        where T : Option => Shared.Bind(option, key);

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command) => Shared.AddTo(command);
}
