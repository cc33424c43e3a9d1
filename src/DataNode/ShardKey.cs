namespace Cluster.DataNode;

/// <summary>A shard of one epoch's plan: the unit the coordinator assigns to a data node.</summary>
public readonly record struct ShardKey(int Epoch, int Shard)
{
    /// <summary>The shard actor's name under the node's main actor.</summary>
    public string ActorName => $"shard-e{Epoch}-s{Shard}";
}
