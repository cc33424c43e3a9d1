using Cluster.DataNode.Batches;
using Cluster.Shared.Jobs;

namespace Cluster.DataNode;

/// <summary>How a data node actor is set up: who it is, where the coordinator is, and how it loads a job's data.</summary>
/// <param name="Coordinator">The coordinator system's address, e.g. <c>cluster.tcp://coordinator@127.0.0.1:4000</c>.</param>
/// <param name="CreateProducer">Loads the job's manifests, tokenizer or noises (slow; runs off the mailbox).</param>
/// <param name="Log">Where the node's lines go (stderr in the process).</param>
public sealed record DataNodeSettings(string Name, string Coordinator, WorkerPool Workers, Func<JobSpec, IBatchProducer> CreateProducer, Action<string> Log)
{
    /// <summary>The node's instruments (served by the process's metrics endpoint, when it has one).</summary>
    public DataNodeMetrics Metrics { get; init; } = new(Name);
}
