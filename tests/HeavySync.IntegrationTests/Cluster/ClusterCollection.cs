namespace HeavySync.IntegrationTests.Cluster;

/// <summary>The multi-process cluster tests run one at a time: each starts several processes of its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster processes";
}
