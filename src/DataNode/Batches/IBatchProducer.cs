using Cluster.Shared.Protocol;

namespace Cluster.DataNode.Batches;

/// <summary>Turns one planned batch (its manifest item ids) into the message a trainer receives.</summary>
public interface IBatchProducer
{
    /// <summary>
    /// The batch as <see cref="BatchData"/> with its tensors; examples that cannot be used are left out and listed in
    /// <see cref="BatchData.Skipped"/>. Safe to call from several threads at once.
    /// </summary>
    BatchData Build(int epoch, string batchId, IReadOnlyList<string> itemIds);
}
