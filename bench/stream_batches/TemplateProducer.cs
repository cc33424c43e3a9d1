using Cluster.DataNode.Batches;
using Cluster.Shared.Protocol;

namespace Cluster.Bench.StreamBatches;

/// <summary>Stands in for decoding: every batch is a copy of one prepared batch (the tensor bytes are shared).</summary>
public sealed class TemplateProducer(BatchData template) : IBatchProducer
{
    public BatchData Build(int epoch, string batchId, IReadOnlyList<string> itemIds)
    {
        var batch = template.Clone();
        batch.Epoch = epoch;
        batch.BatchId = batchId;
        return batch;
    }
}
