using System.CommandLine;

namespace HeavySync.Cli.Commands;

/// <summary>The options every cluster role shares: state, queue, config, verbosity.</summary>
internal sealed class ClusterOptions
{
    public ClusterOptions()
    {
        Shared = new SharedOptions(stateDescription: SharedOptions.ClusterStateDescription);
        Shared.Bind(new Option<string?>("--queue") { Description = QueueDescription }, "queue");
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
