using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;
using Cluster.Shared.Protocol;
using static Cluster.DataNode.ShardProtocol;

namespace Cluster.DataNode;

/// <summary>
/// One shard this node owns: builds the batches trainers ask for on the shared worker pool, sends each to whoever
/// asked, and reports it to the coordinator's ledger (sent, and which examples were left out).
/// </summary>
public sealed class ShardActor : ActorBase
{
    private readonly ShardKey _key;
    private readonly DataNodeContext _node;
    private readonly ShardBuilds<IActorRef> _builds;

    public ShardActor(ShardKey key, IReadOnlyDictionary<string, IReadOnlyList<string>> batches, DataNodeContext node)
    {
        _key = key;
        _builds = new ShardBuilds<IActorRef>(batches);
        _node = node;
    }

    protected override void Receive(object message)
    {
        switch (message)
        {
            case BuildBatch request:
                Start(request);
                break;
            case ReplaceBatches replace:
                _builds.Batches = replace.Batches;
                break;
            case Built built:
                Deliver(built.BatchId, built.Data, built.Seconds);
                break;
            case BuildFailed failed:
                // Not expected (the builders report bad examples themselves), but a batch must never take the node
                // down: the trainer gets it empty, so the step's collectives still see every rank.
                _node.Log($"batch {failed.BatchId}: build failed, sent empty: {failed.Cause.Message}");
                Deliver(failed.BatchId, EmptyBatch(failed), buildSeconds: 0);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Start(BuildBatch request)
    {
        var start = _builds.Request(request.BatchId, request.Requester);
        if (!start.IsKnown)
        {
            request.Requester.Tell(new BatchUnavailable { Epoch = request.Epoch, BatchId = request.BatchId, Reason = $"{_node.Name} has no batch {request.BatchId} in shard {_key.Shard}" }, Context.Parent);
            Context.Parent.Tell(new RequestsDone(_key, 1));
            return;
        }
        if (start.Items is not { } items) return; // joined the build under way
        int epoch = request.Epoch;
        string batchId = request.BatchId;
        _node.Workers.Run(() =>
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                var data = _node.Producer.Build(epoch, batchId, items);
                double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
                _node.Metrics.Built(_node.Kind, seconds, data);
                return (data, seconds);
            })
            .PipeTo(Self, success: built => new Built(batchId, built.data, built.seconds), failure: cause => new BuildFailed(epoch, batchId, cause));
    }

    private void Deliver(string batchId, BatchData data, double buildSeconds)
    {
        if (_builds.Finished(batchId) is not var (recipients, requests)) return;
        foreach (var requester in recipients) requester.Tell(data, Context.Parent);
        _node.Coordinator.Tell(new BatchSent { Epoch = data.Epoch, BatchId = batchId, Node = _node.Name, BuildSeconds = buildSeconds }, Context.Parent);
        if (data.Skipped.Count > 0)
        {
            var skipped = new SkippedExamples { Node = _node.Name, BatchId = batchId };
            skipped.Examples.AddRange(data.Skipped);
            _node.Coordinator.Tell(skipped, Context.Parent);
        }
        Context.Parent.Tell(new RequestsDone(_key, requests));
    }

    private BatchData EmptyBatch(BuildFailed failed)
    {
        var data = new BatchData { Epoch = failed.Epoch, BatchId = failed.BatchId, Producer = _node.Name, Examples = 0 };
        if (_builds.Batches.TryGetValue(failed.BatchId, out var items))
            data.Skipped.AddRange(items.Select(id => new SkippedExample { Id = id, Reason = $"batch build failed: {failed.Cause.Message}" }));
        return data;
    }
}
