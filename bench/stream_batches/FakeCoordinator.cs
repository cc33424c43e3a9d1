using Cluster.Shared.Actors;
using Cluster.Shared.Protocol;

namespace Cluster.Bench.StreamBatches;

/// <summary>Welcomes the data node that registers and assigns it one shard holding batches e0-b0 .. e0-b(N-1).</summary>
public sealed class FakeCoordinator(string jobYaml, int batches) : ActorBase
{
    protected override void Receive(object message)
    {
        if (message is not RegisterNode register) return;
        var node = Context.System.ResolveActorRef(register.ActorPath);
        node.Tell(new DataNodeWelcome { JobYaml = jobYaml, JobDirectory = Path.GetTempPath() }, Self);
        var shard = new ShardBatches { Epoch = 0, Shard = 0 };
        for (int i = 0; i < batches; i++) shard.Batches.Add(new PlannedBatchItems { BatchId = $"e0-b{i}", ItemIds = { "u" } });
        node.Tell(new AssignShards { Version = 1, Shards = { shard } }, Self);
    }
}
