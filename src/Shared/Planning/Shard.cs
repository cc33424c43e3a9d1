namespace Cluster.Shared.Planning;

/// <summary>
/// A group of an epoch's batches that one data node produces, in plan order. Shards are the unit of allocation: a
/// data node joining or leaving moves whole shards, never single batches.
/// </summary>
public sealed class Shard
{
    internal Shard(int epoch, int index, IReadOnlyList<string> batchIds)
    {
        Epoch = epoch;
        Index = index;
        BatchIds = batchIds;
    }

    public int Epoch { get; }

    /// <summary>0-based within the epoch.</summary>
    public int Index { get; }

    /// <summary>The batches, in the order the plan trains them.</summary>
    public IReadOnlyList<string> BatchIds { get; }

    public override string ToString() => $"e{Epoch}-s{Index} ({BatchIds.Count} batches)";
}
