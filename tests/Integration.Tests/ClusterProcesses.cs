namespace Cluster.Integration.Tests;

/// <summary>Tests that run a whole cluster as processes go one at a time: two clusters on two cores would make each
/// other's heartbeats late.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcesses
{
    public const string Name = "cluster processes";
}
