using System.Diagnostics;
using Cluster.Shared.Actors;
using Cluster.Shared.Protocol;

namespace Cluster.Bench.StreamBatches;

/// <summary>Keeps <c>credits</c> batch requests outstanding, as a trainer does, until <c>batches</c> have arrived.</summary>
public sealed class CreditedTrainer(IActorRef server, int batches, int credits, TaskCompletionSource<(TimeSpan Elapsed, long Bytes)> done) : ActorBase
{
    private readonly Stopwatch _clock = new();
    private int _requested;
    private int _received;
    private long _bytes;

    protected override void PreStart()
    {
        _clock.Start();
        for (int i = 0; i < Math.Min(credits, batches); i++) RequestNext();
    }

    protected override void Receive(object message)
    {
        if (message is BatchUnavailable unavailable)
        {
            // The node has not taken its assignment yet: ask again, as a trainer does after ShardOwners.
            server.Tell(new RequestBatches { Epoch = 0, BatchIds = { unavailable.BatchId } }, Self);
            return;
        }
        if (message is not BatchData batch) return;
        _received++;
        _bytes += batch.Tensors.Sum(t => (long)t.Data.Length);
        if (_received == batches)
        {
            done.TrySetResult((_clock.Elapsed, _bytes));
            return;
        }
        if (_requested < batches) RequestNext();
    }

    private void RequestNext()
    {
        var request = new RequestBatches { Epoch = 0 };
        request.BatchIds.Add($"e0-b{_requested++}");
        server.Tell(request, Self);
    }
}
