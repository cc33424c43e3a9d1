using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;

namespace Cluster.DataNode;

/// <summary>What every shard actor of a node shares: its name, the coordinator, the job's batch producer, the workers,
/// the node's instruments.</summary>
public sealed record DataNodeContext(string Name, IActorRef Coordinator, IBatchProducer Producer, WorkerPool Workers, Action<string> Log, DataNodeMetrics Metrics)
{
    /// <summary>The kind of batches built, as the metrics label them.</summary>
    public string Kind { get; } = Producer is WhisperBatchProducer ? "whisper" : "enhancement";
}
