using Cluster.DataNode.Batches;
using Cluster.Shared.Protocol;

namespace Cluster.DataNode.Tests;

/// <summary>A producer whose builds wait for the test to open the gate, then either succeed or throw; it counts builds.</summary>
public sealed class GatedProducer(bool fail) : IBatchProducer
{
    private int _builds;

    public SemaphoreSlim Gate { get; } = new(0);

    public int Builds => Volatile.Read(ref _builds);

    public BatchData Build(int epoch, string batchId, IReadOnlyList<string> itemIds)
    {
        Interlocked.Increment(ref _builds);
        if (!Gate.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never opened the gate");
        if (fail) throw new InvalidOperationException("decoder crashed");
        return new BatchData { Epoch = epoch, BatchId = batchId, Producer = "gated", Examples = itemIds.Count };
    }
}
