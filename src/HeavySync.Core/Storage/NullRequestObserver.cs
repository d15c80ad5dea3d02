namespace HeavySync.Storage;

/// <summary>An <see cref="IRequestObserver"/> that ignores everything (the default).</summary>
public sealed class NullRequestObserver : IRequestObserver
{
    /// <summary>The shared instance.</summary>
    public static NullRequestObserver Instance { get; } = new();

    private NullRequestObserver()
    {
    }

    /// <inheritdoc />
    public void OnRequest(string store, string operation)
    {
    }

    /// <inheritdoc />
    public void OnThrottled(string store)
    {
    }
}
