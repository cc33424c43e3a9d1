using Cluster.Shared.Actors;
using Cluster.Shared.Protocol;

namespace Cluster.DataNode;

/// <summary>Messages between the data node's main actor and its shard actors (never on the wire).</summary>
public static class ShardProtocol
{
    /// <summary>Build a batch of the shard and send it to <paramref name="Requester"/>.</summary>
    public sealed record BuildBatch(int Epoch, string BatchId, IActorRef Requester);

    /// <summary>The shard's batches under a new assignment (the coordinator may re-plan a shard it keeps here).</summary>
    public sealed record ReplaceBatches(IReadOnlyDictionary<string, IReadOnlyList<string>> Batches);

    /// <summary>A shard actor answered <paramref name="Requests"/> build requests (sent, or refused).</summary>
    public sealed record RequestsDone(ShardKey Shard, int Requests);

    internal sealed record Built(string BatchId, BatchData Data, double Seconds);

    internal sealed record BuildFailed(int Epoch, string BatchId, Exception Cause);
}
