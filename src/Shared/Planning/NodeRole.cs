namespace Cluster.Shared.Planning;

/// <summary>What a node does in the cluster.</summary>
public enum NodeRole
{
    /// <summary>Reads audio and streams batches (CPU, scaled freely).</summary>
    DataNode,

    /// <summary>Trains on one GPU, as one rank of the process group.</summary>
    GpuNode,
}
