using Cluster.Shared.Actors;
using Cluster.Shared.Protocol;

namespace Cluster.Bench.StreamBatches;

/// <summary>Answers each requested batch id with a copy of one prepared batch (the tensor bytes are shared, not copied).</summary>
public sealed class BatchServer(BatchData template) : ActorBase
{
    protected override void Receive(object message)
    {
        if (message is not RequestBatches request) return;
        foreach (string id in request.BatchIds)
        {
            var batch = template.Clone();
            batch.BatchId = id;
            Sender.Tell(batch, Self);
        }
    }
}
